import fs from 'node:fs/promises';
import path from 'node:path';
import type { InventoryTool } from '../../../shared/contract';

/** One file a tool's model uses, as the scanner found it. */
export interface FileRef {
  /** Where it was found; links are followed later, so two links to one file count once. */
  path: string;
  /** What the tool calls it (repo path, layer type, path inside the model folder). */
  label: string;
  /** The sha256 its content-addressed name claims, and whether the tool that wrote it checked that claim. */
  named?: { sha256: string; verified: boolean };
  /** Lies in a content-addressed blob folder that no tool rewrites in place (HF cache `blobs/`, Ollama `blobs/`). */
  blob: boolean;
}

/** A model of one tool, with the files it uses. */
export interface FoundModel {
  tool: InventoryTool;
  name: string;
  location: string;
  files: FileRef[];
  notes: string[];
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Every file under a folder as `{abs, rel}` (rel with `/`), links to files included, links to folders not
 * followed (a link loop must not hang a scan). Unreadable folders are skipped.
 */
export async function listFiles(dir: string): Promise<Array<{ abs: string; rel: string }>> {
  const out: Array<{ abs: string; rel: string }> = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = path.join(d, e.name);
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(abs, rel);
      else if (e.isFile()) out.push({ abs, rel });
      else if (e.isSymbolicLink() && (await fs.stat(abs).then((s) => s.isFile(), () => false))) out.push({ abs, rel });
    }
  };
  await walk(dir, '');
  return out;
}

export async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
