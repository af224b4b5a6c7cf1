import fs from 'node:fs/promises';
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
