import fs from 'node:fs/promises';
import path from 'node:path';
import type { InventoryTool } from '../../../shared/contract';
import { scanSentenceTransformers } from '../detect/st-legacy-scan';
import { scanVoskRoot } from '../detect/vosk-scan';
import { listFiles } from '../detect/fs-walk';
import { subdirs, type FileRef, type FoundModel } from './found-model';

async function folderModel(tool: InventoryTool, name: string, dir: string, notes: string[] = []): Promise<FoundModel> {
  const files: FileRef[] = (await listFiles(dir)).map((f) => ({ path: f.abs, label: f.rel, blob: false }));
  return { tool, name, location: dir, files, notes };
}

/** Folders of the pre-2.3 sentence-transformers cache, as `detect` finds them, with every file inside. */
export async function scanStLegacyRoot(root: string): Promise<FoundModel[]> {
  const found = await scanSentenceTransformers(root);
  return Promise.all(found.map((m) => folderModel('sentence-transformers', m.name, m.location, m.complete ? [] : [`incomplete: ${m.missing.join('; ')}`])));
}

/** Vosk model folders, as `detect` finds them. */
export async function scanVoskModels(root: string): Promise<FoundModel[]> {
  const found = await scanVoskRoot(root);
  return Promise.all(found.map((m) => folderModel('vosk', m.name, m.location, m.complete ? [] : [`incomplete: ${m.missing.join('; ')}`])));
}

/**
 * LM Studio's models folder: `<publisher>/<model>/<files>`, the Hugging Face repo id as two folders (LM Studio lists
 * only files at that depth; a GGUF directly under the models folder or one level down is not a model to it).
 */
export async function scanLmStudioRoot(root: string): Promise<FoundModel[]> {
  const out: FoundModel[] = [];
  for (const publisher of await subdirs(root)) {
    for (const repo of await subdirs(path.join(root, publisher))) {
      const m = await folderModel('lmstudio', `${publisher}/${repo}`, path.join(root, publisher, repo));
      if (m.files.length) out.push(m);
    }
  }
  return out;
}

/** `model_path: llamacpp/models/x/model.gguf` from Jan's model.yml (flat keys; no YAML library needed for these). */
function ymlValue(text: string, key: string): string | null {
  const m = new RegExp(`^${key}:\\s*(.+?)\\s*$`, 'm').exec(text);
  if (!m?.[1]) return null;
  return m[1].replace(/^(['"])(.*)\1$/, '$2');
}

/**
 * Jan's llama.cpp models: `<data>/llamacpp/models/<model id>/model.yml` with `model.gguf` (and `mmproj.gguf`) next to
 * it; ids with a `/` are nested folders. `model_path` in model.yml is relative to the data folder, or absolute for a
 * model imported in place: a file outside the model folder is listed as the model's too, with a note.
 */
export async function scanJanRoot(root: string): Promise<FoundModel[]> {
  const out: FoundModel[] = [];
  const dataFolder = path.dirname(path.dirname(root));
  const walk = async (dir: string, id: string): Promise<void> => {
    const yml = await fs.readFile(path.join(dir, 'model.yml'), 'utf8').catch(() => null);
    if (yml !== null) {
      const m = await folderModel('jan', id, dir);
      for (const key of ['model_path', 'mmproj_path']) {
        const value = ymlValue(yml, key);
        if (!value) continue;
        const file = path.isAbsolute(value) ? value : path.join(dataFolder, value);
        const rel = path.relative(dir, file);
        if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) continue;
        if (await fs.stat(file).then((s) => s.isFile(), () => false)) {
          m.files.push({ path: file, label: `${key} → ${file}`, blob: false });
          m.notes.push(`${key} points outside Jan's folder: ${file}`);
        } else m.notes.push(`${key} ${file} is missing`);
      }
      out.push(m);
      return;
    }
    for (const sub of await subdirs(dir)) await walk(path.join(dir, sub), id ? `${id}/${sub}` : sub);
  };
  for (const sub of await subdirs(root)) await walk(path.join(root, sub), sub);
  return out;
}
