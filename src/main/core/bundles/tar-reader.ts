import type { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';

/**
 * Reads a plain tar stream entry by entry: `onEntry` runs for one entry at a time and must consume its body
 * (iterate it, or `resume()` it); the source is paused meanwhile, so nothing piles up in memory. Damaged
 * headers and a stream that ends inside an entry reject (node-tar in strict mode).
 */
export function readTar(input: Readable, onEntry: (entry: ReadEntry) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const parser = new Parser({ strict: true });
    let chain = Promise.resolve();
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      input.unpipe(parser as unknown as NodeJS.WritableStream);
      input.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    parser.on('entry', (entry: ReadEntry) => {
      chain = chain.then(async () => {
        if (failed) entry.resume();
        else await onEntry(entry);
      });
      chain.catch(fail);
    });
    parser.on('error', fail);
    parser.on('end', () => {
      chain.then(() => {
        if (!failed) resolve();
      }, fail);
    });
    input.on('error', fail);
    input.pipe(parser as unknown as NodeJS.WritableStream);
  });
}
