import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { exists } from '../detect/fs-walk';
import { voskMissing } from '../detect/vosk-scan';

/** Folders that are never the model: macOS resource forks (`__MACOSX/`) and hidden folders. */
function isJunk(name: string): boolean {
  return name === '__MACOSX' || name.startsWith('.');
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !isJunk(e.name)).map((e) => path.join(dir, e.name));
}

/** Folders at most `depth` levels below `root` (itself included) that hold `am/final.mdl`. */
async function withAcousticModel(root: string, depth: number): Promise<string[]> {
  const found: string[] = [];
  let level = [root];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: string[] = [];
    for (const dir of level) {
      if (await exists(path.join(dir, 'am', 'final.mdl'))) found.push(dir);
      else next.push(...(await subdirs(dir)));
    }
    level = next;
  }
  return found;
}

/** Where a zip without an acoustic model most looks like a model: down through folders that hold only one folder. */
async function likelyModel(root: string): Promise<string> {
  let dir = root;
  for (let d = 0; d < 3; d++) {
    const entries = (await fs.readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => !isJunk(e.name));
    const only = entries[0];
    if (entries.length !== 1 || !only?.isDirectory()) break;
    dir = path.join(dir, only.name);
  }
  return dir;
}

function refuse(message: string): AppError {
  return new AppError('ARCHIVE_REFUSED', message, { hint: 'Vosk models are zips of one folder with am/, conf/ and graph/; see https://alphacephei.com/vosk/models.' });
}

/**
 * The model folder in an unpacked zip, wherever it is: the zip's one top folder (official zips), the zip's root
 * (a flat zip), or deeper (`release/vosk-model-…/`), with `__MACOSX/` and hidden folders ignored. Refuses a zip
 * with no complete model, naming what is missing, and one with several models.
 */
export async function findVoskModelFolder(unpacked: string): Promise<string> {
  const found = await withAcousticModel(unpacked, 3);
  if (found.length > 1) {
    const names = found.map((d) => path.relative(unpacked, d) || '.').join(', ');
    throw refuse(`The archive holds ${found.length} Vosk models (${names}); install them one zip at a time.`);
  }
  const dir = found[0] ?? (await likelyModel(unpacked));
  const { missing } = await voskMissing(dir);
  if (missing.length > 0) throw refuse(`The archive is not a complete Vosk model: missing ${missing.join(', ')}.`);
  return dir;
}
