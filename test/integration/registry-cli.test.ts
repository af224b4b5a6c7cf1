import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run-cli';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-registry-cli-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTTY: false }, { MODEL_CENTER_HOME: home });
  return { code, out, err };
}

describe('registry CLI', () => {
  it('registers, lists, switches and rolls back with exit 0 and parseable --json', async () => {
    const reg = await cli('register', 'minilm', 'v1.0', '--type', 'embedding', '--repo', 'sentence-transformers/all-MiniLM-L6-v2', '--status', 'production', '--json');
    expect(reg.code).toBe(0);
    const parsed = JSON.parse(reg.out) as { version: { version: string }; messages: string[] };
    expect(parsed.version.version).toBe('1.0.0');
    expect(parsed.messages[0]).toMatch(/normalised/);

    expect((await cli('register', 'minilm', '1.1.0', '--status', 'staging')).code).toBe(0);
    expect((await cli('set-current', 'minilm', '1.0.0', '--expect', 'none')).code).toBe(0);
    const sw = await cli('set-current', 'minilm', '1.1.0', '--expect', '1.0.0');
    expect(sw.code).toBe(0);
    expect(sw.out).toMatch(/Current version of minilm: 1.1.0 \(previous: 1.0.0\)/);

    const versions = await cli('versions', 'minilm', '--json');
    expect(versions.code).toBe(0);
    expect((JSON.parse(versions.out) as Array<{ version: string; isCurrent: boolean }>).map((v) => [v.version, v.isCurrent])).toEqual([
      ['1.1.0', true],
      ['1.0.0', false],
    ]);
    const human = await cli('versions', 'minilm');
    expect(human.out).toMatch(/VERSION\s+STATUS\s+CURRENT/);

    const rb = await cli('rollback', 'minilm', '--json');
    expect(rb.code).toBe(0);
    expect(JSON.parse(rb.out)).toMatchObject({ from: '1.1.0', to: '1.0.0' });
  });

  it('exits 1 on failures and 2 on usage errors', async () => {
    // Unknown model without --type: a failure with a hint on how to create it.
    const missing = await cli('register', 'ghost', '1.0.0');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/--type embedding/);
    // Bad arguments: usage errors.
    expect((await cli('register', 'm', '1.0.0', '--type', 'embedding', '--status', 'live')).code).toBe(2);
    expect((await cli('register', 'm', 'not-semver', '--type', 'embedding')).code).toBe(2);
    expect((await cli('versions')).code).toBe(2);
    expect((await cli('import-registry')).code).toBe(2);
    // Refused by the lifecycle / compare-and-set: failures, with the reason as JSON under --json.
    await cli('register', 'm', '1.0.0', '--type', 'embedding', '--status', 'production');
    const illegal = await cli('set-status', 'm', '1.0.0', 'staging', '--json');
    expect(illegal.code).toBe(1);
    expect(JSON.parse(illegal.out)).toMatchObject({ error: { code: 'ILLEGAL_TRANSITION' } });
    await cli('set-current', 'm', '1.0.0');
    const stale = await cli('set-current', 'm', '1.0.0', '--expect', '9.0.0', '--json');
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.out)).toMatchObject({ error: { code: 'CURRENT_CHANGED' } });
    expect((await cli('rollback', 'm')).code).toBe(1);
  });

  it('imports a registry file and an --env string, exiting 1 when entries were refused', async () => {
    const file = path.join(home, 'model_registry.json');
    fs.writeFileSync(file, JSON.stringify({ models: { e5: { model_type: 'embedding', current_version: '1.0.0', versions: { '1.0.0': { status: 'production' } } } } }));
    const ok = await cli('import-registry', file, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ imported: ['e5', 'e5@1.0.0', 'e5 current=1.0.0'], refused: [] });

    const envFile = path.join(home, '.env');
    fs.writeFileSync(envFile, 'EMB_MODELS="minilm:sentence-transformers/all-MiniLM-L6-v2:default:384:256"\n');
    expect((await cli('import-registry', envFile)).code).toBe(0);

    const partial = await cli('import-registry', '--env', 'a:org/a:main:8:16,b:org/b', '--json');
    expect(partial.code).toBe(1);
    expect(JSON.parse(partial.out)).toMatchObject({ imported: ['a:org/a:main:8:16'], refused: [{ entry: 'b:org/b' }] });

    expect((await cli('import-registry', path.join(home, 'missing.json'))).code).toBe(1);
    const models = await cli('models', '--json');
    expect((JSON.parse(models.out) as Array<{ name: string }>).map((m) => m.name)).toEqual(['a', 'all-minilm-l6-v2', 'e5']);
  });
});
