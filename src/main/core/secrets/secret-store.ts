import fs from 'node:fs';
import path from 'node:path';

/** Where tokens and keys live. The Electron glue may wrap this with OS encryption (safeStorage). */
export interface SecretStore {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
  /** How values are protected, for the Settings page. */
  readonly protection: 'file-0600' | 'os-keychain';
}

export interface SecretCodec {
  encode(plain: string): string;
  decode(stored: string): string;
}

/** A JSON file with mode 0600, replaced atomically so a crash never leaves half a file. */
export function createFileSecretStore(file: string, codec?: SecretCodec): SecretStore {
  const read = (): Record<string, string> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  const write = (data: Record<string, string>): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    fs.renameSync(tmp, file);
    fs.chmodSync(file, 0o600);
  };
  return {
    protection: codec ? 'os-keychain' : 'file-0600',
    get(name) {
      const v = read()[name];
      if (v === undefined) return undefined;
      try {
        return codec ? codec.decode(v) : v;
      } catch {
        return undefined;
      }
    },
    set(name, value) {
      write({ ...read(), [name]: codec ? codec.encode(value) : value });
    },
    delete(name) {
      const data = read();
      delete data[name];
      write(data);
    },
  };
}
