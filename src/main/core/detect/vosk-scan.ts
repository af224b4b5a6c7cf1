import path from 'node:path';
import type { DetectedModelDTO } from '../../../shared/contract';
import { dirSize, exists, isDir, lastReadAt, listDirs } from './fs-walk';

/** What a folder needs to be a Vosk model: acoustic model, features config, and a decoding graph (static or lookahead). */
export async function voskMissing(dir: string): Promise<{ isCandidate: boolean; missing: string[] }> {
  const has = async (rel: string): Promise<boolean> => exists(path.join(dir, rel));
  const am = await has('am/final.mdl');
  const conf = (await has('conf/mfcc.conf')) || (await has('conf/model.conf'));
  const staticGraph = await has('graph/HCLG.fst');
  const lookahead = (await has('graph/Gr.fst')) && (await has('graph/HCLr.fst'));
  const missing: string[] = [];
  if (!am) missing.push('am/final.mdl');
  if (!conf) missing.push('conf/mfcc.conf or conf/model.conf');
  if (!staticGraph && !lookahead) missing.push('graph/HCLG.fst (or graph/Gr.fst + graph/HCLr.fst)');
  // A folder with none of the three parts is just a folder; with some of them it is a broken model worth reporting.
  const isCandidate = am || conf || staticGraph || lookahead || (await has('ivector')) || /^vosk-model/i.test(path.basename(dir));
  return { isCandidate, missing };
}

/** `vosk-model-small-ru-0.22` → `ru`, `vosk-model-en-us-0.22-lgraph` → `en-us`. */
export function voskLanguage(name: string): string | null {
  const m = /^vosk-model-(?:small-)?([a-z]{2,3}(?:-[a-z]{2})?)(?:-|$)/i.exec(name);
  return m?.[1]?.toLowerCase() ?? null;
}

export async function scanVoskRoot(root: string): Promise<DetectedModelDTO[]> {
  if (!(await isDir(root))) return [];
  // The root itself may be one model (a configured path pointing straight at it) or a folder of models.
  const self = await voskMissing(root);
  const dirs = self.isCandidate && self.missing.length < 3 ? [root] : (await listDirs(root)).map((d) => path.join(root, d));
  const out: DetectedModelDTO[] = [];
  for (const dir of dirs) {
    const { isCandidate, missing } = await voskMissing(dir);
    if (!isCandidate) continue;
    const { bytes, newestMtime } = await dirSize(dir);
    const name = path.basename(dir);
    const language = voskLanguage(name);
    const version = /-(\d+(?:\.\d+)+)(?:-|$)/.exec(name)?.[1] ?? null;
    out.push({
      source: 'vosk',
      name,
      sizeBytes: bytes,
      location: dir,
      revision: version,
      complete: missing.length === 0,
      missing,
      // Every recogniser reads the acoustic model and the graph on load.
      lastUsed: await lastReadAt(['am/final.mdl', 'graph/HCLG.fst', 'graph/HCLr.fst'].map((f) => path.join(dir, f))),
      notes: [
        ...(language ? [`language guessed from the name: ${language}`] : []),
        ...((await exists(path.join(dir, 'ivector'))) ? [] : ['no ivector/ (optional: speaker adaptation off)']),
        ...(newestMtime ? [`files last changed ${newestMtime.toISOString()}`] : []),
      ],
      language,
      running: false,
      revisions: [],
      registryModel: null,
    });
  }
  return out;
}
