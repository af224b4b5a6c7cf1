import type { EventMessage } from '../../../shared/bridge';

/** Incremental Server-Sent Events parser: feed it text chunks, it calls back with whole events. */
export function createSseParser(onEvent: (message: EventMessage) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let sep: number;
    while ((sep = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, sep);
      buffer = buffer.slice(sep + (buffer[sep] === '\r' ? 4 : 2));
      let name = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue;
      try {
        onEvent({ name, payload: JSON.parse(data.join('\n')) as unknown });
      } catch {
        /* a malformed event is skipped, the stream goes on */
      }
    }
  };
}
