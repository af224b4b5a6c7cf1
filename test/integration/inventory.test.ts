import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import type { InventoryReportDTO } from '../../src/shared/contract';
import { placeInHfCache, testModel } from '../support/embedding-models';
import { makeHfRepo, makeStLegacy, makeVoskModel } from '../support/model-trees';
import { runCliProcess } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir, testEnv } from '../support/temp-home';
import { asRegularHubFile, fakeGguf, makeJanModel, makeLmStudioModel, makeOllamaModel, sha256 } from '../support/tool-trees';

let home: string;
let core: Core | undefined;

beforeEach(() => {
  home = makeTempDir('mc-inventory-');
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  removeDir(home);
});

const COMMIT = 'a'.repeat(40);
const GGUF = fakeGguf(300_000, 7);
const GGUF_SHA = sha256(GGUF);

interface Trees {
  env: Record<string, string>;
  ollamaBlob: string;
  hfBlob: string;
  hfSnapshotFile: string;
  hfReadmeBlob: string;
  lmstudioFile: string;
  janFile: string;
  stFolder: string;
  voskFolder: string;
}

/**
 * Every tool's store, laid out as the tool lays it out, under a fake HOME so the default locations are the ones
 * found: `~/.ollama/models`, `~/.lmstudio/models`, `~/.local/share/Jan/data`, the HF hub cache, the legacy
 * sentence-transformers cache and a Vosk folder. One GGUF is stored four times: as an Ollama blob, as an HF cache
 * blob (both immutable stores), and as copies in LM Studio's and Jan's folders.
 */
function buildTrees(): Trees {
  const h = path.join(home, 'h');
  const hub = path.join(home, 'hub');
  const st = path.join(home, 'st');
  const vosk = path.join(home, 'vosk');
  const { weightsBlob } = makeOllamaModel(path.join(h, '.ollama', 'models'), 'tinyllama', 'latest', GGUF);
  const hfRepo = makeHfRepo(hub, 'TheBloke/tiny-GGUF', [{ commit: COMMIT, ref: 'main', files: { 'tiny.Q4_K_M.gguf': GGUF, 'README.md': '# tiny\n' } }]);
  // huggingface_hub names a small file's blob by its git blob id (sha1), not its sha256.
  const hfReadmeBlob = asRegularHubFile(hfRepo, COMMIT, 'README.md');
  placeInHfCache(hub, 'org/tiny-embed', testModel('tiny-32'));
  const lm = makeLmStudioModel(path.join(h, '.lmstudio', 'models'), 'TheBloke/tiny-GGUF', { 'tiny.Q4_K_M.gguf': GGUF });
  const jan = makeJanModel(path.join(h, '.local', 'share', 'Jan', 'data'), 'tiny-q4', GGUF);
  const stFolder = makeStLegacy(st, 'sentence-transformers_all-MiniLM-L6-v2');
  const voskFolder = path.join(vosk, 'vosk-model-small-ru-0.22');
  makeVoskModel(voskFolder);
  return {
    env: { HOME: h, HF_HUB_CACHE: hub, SENTENCE_TRANSFORMERS_HOME: st, MODEL_CENTER_VOSK_DIRS: vosk, OLLAMA_HOST: 'http://127.0.0.1:9' },
    ollamaBlob: weightsBlob,
    hfBlob: path.join(hfRepo, 'blobs', GGUF_SHA),
    hfSnapshotFile: path.join(hfRepo, 'snapshots', COMMIT, 'tiny.Q4_K_M.gguf'),
    hfReadmeBlob,
    lmstudioFile: path.join(lm, 'tiny.Q4_K_M.gguf'),
    janFile: path.join(jan, 'model.gguf'),
    stFolder,
    voskFolder,
  };
}

async function scan(c: Core, verifyNames = false): Promise<InventoryReportDTO> {
  const job = await c.invoke('inventory.scan', { verifyNames });
  const final = await c.jobs.waitForSettled(job.id);
  expect(final.state, final.error?.message).toBe('done');
  const r = await c.invoke('inventory.get', {});
  if (!r) throw new Error('no report stored');
  return r;
}

const model = (r: InventoryReportDTO, id: string): InventoryReportDTO['models'][number] => {
  const m = r.models.find((x) => x.id === id);
  if (!m) throw new Error(`no model ${id} in ${r.models.map((x) => x.id).join(', ')}`);
  return m;
};

const inode = (p: string): number => fs.statSync(p).ino;

describe('inventory across tools', () => {
  it('finds every tool’s models with their files, sizes and hashes', async () => {
    const t = buildTrees();
    core = openTestCore(home, t.env);
    const r = await scan(core);
    expect(r.models.map((m) => m.id).sort()).toEqual([
      'huggingface:TheBloke/tiny-GGUF',
      'huggingface:org/tiny-embed',
      'jan:tiny-q4',
      'lmstudio:TheBloke/tiny-GGUF',
      'ollama:tinyllama:latest',
      'sentence-transformers:sentence-transformers/all-MiniLM-L6-v2',
      'vosk:vosk-model-small-ru-0.22',
    ]);
    expect(r.roots.filter((x) => x.exists).map((x) => `${x.tool} ${x.path}`)).toEqual(
      expect.arrayContaining([`lmstudio ${path.join(t.env.HOME!, '.lmstudio', 'models')}`, `jan ${path.join(t.env.HOME!, '.local', 'share', 'Jan', 'data', 'llamacpp', 'models')}`]),
    );
    // Snapshot files in subfolders count (onnx/model.onnx, 1_Pooling/config.json), blobs listed once.
    const embed = model(r, 'huggingface:org/tiny-embed');
    const embedFiles = r.files.filter((f) => f.models.includes(embed.id));
    expect(embedFiles.map((f) => f.label)).toEqual(expect.arrayContaining(['onnx/model.onnx', '1_Pooling/config.json', 'tokenizer.json']));
    const onnx = fs.statSync(path.join(testModel('tiny-32'), 'onnx', 'model.onnx')).size;
    expect(embed.sizeBytes).toBeGreaterThan(onnx);

    const ollama = model(r, 'ollama:tinyllama:latest');
    expect(ollama.files).toBe(4); // manifest, weights, params, config
    const weights = r.files.find((f) => f.path === fs.realpathSync(t.ollamaBlob))!;
    expect(weights).toMatchObject({ tool: 'ollama', sha256: GGUF_SHA, hashSource: 'name-verified', immutable: true, sizeBytes: GGUF.length });
    const hf = r.files.find((f) => f.path === fs.realpathSync(t.hfBlob))!;
    // huggingface_hub wrote it (not Model Center), and it does not check what it downloads: the name is a claim.
    expect(hf).toMatchObject({ tool: 'huggingface', sha256: GGUF_SHA, hashSource: 'name', immutable: true, label: 'tiny.Q4_K_M.gguf' });
    // A git-sha1 blob name says nothing about the sha256: read.
    expect(r.files.find((f) => f.path === t.hfReadmeBlob)).toMatchObject({ label: 'README.md', sha256: sha256('# tiny\n'), hashSource: 'computed', immutable: true });
    const lm = r.files.find((f) => f.path === fs.realpathSync(t.lmstudioFile))!;
    expect(lm).toMatchObject({ tool: 'lmstudio', sha256: GGUF_SHA, hashSource: 'computed', immutable: false });
    expect(r.files.find((f) => f.path === fs.realpathSync(t.janFile))).toMatchObject({ tool: 'jan', sha256: GGUF_SHA, immutable: false });
    for (const f of r.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);

    // By tool, each file once; every model is safe to delete with nothing registered or running.
    const byTool = Object.fromEntries(r.tools.map((x) => [x.tool, x.sizeBytes]));
    expect(byTool.lmstudio).toBe(GGUF.length);
    expect(r.totals.sizeBytes).toBe(r.tools.reduce((s, x) => s + x.sizeBytes, 0));
    expect(r.models.every((m) => m.safeToDelete && m.usedBy.length === 0)).toBe(true);
    expect(r.usage.tables).toEqual(expect.arrayContaining(['registry_versions', 'jobs', 'document_metadata']));
    expect(r.usage.tables).toEqual(expect.arrayContaining(['collections']));
    expect(r.usage.missing).toEqual(expect.arrayContaining(['migrations']));
  });

  it('shows the GGUF stored by four tools as one duplicate group with the bytes a hardlink saves', async () => {
    const t = buildTrees();
    core = openTestCore(home, t.env);
    const r = await scan(core);
    const g = r.duplicates.find((d) => d.sha256 === GGUF_SHA);
    expect(g).toBeDefined();
    expect(g!.copies.map((c) => c.tool).sort()).toEqual(['huggingface', 'jan', 'lmstudio', 'ollama']);
    expect(g!.wastedBytes).toBe(3 * GGUF.length);
    expect(g!.linkableBytes).toBe(3 * GGUF.length); // one temp filesystem
    expect(g!.dedupeBytes).toBe(GGUF.length); // only the two immutable blobs are linked
    expect(g!.skipped.map((s) => s.path).sort()).toEqual([fs.realpathSync(t.janFile), fs.realpathSync(t.lmstudioFile)].sort());
    expect(g!.skipped[0]!.reason).toMatch(/rewrite in place/);
    expect(r.totals.dedupeBytes).toBe(GGUF.length);
  });

  it('hashes each file once: a second scan reads nothing, a changed file is read again', async () => {
    const t = buildTrees();
    core = openTestCore(home, t.env);
    const first = await scan(core);
    expect(first.stats.filesHashed).toBeGreaterThan(5);
    expect(first.stats.fromName).toBeGreaterThan(5);
    expect(first.stats.fromCache).toBe(0);
    const rows = (): Array<{ path: string; hashed_at: string }> => core!.db.prepare('SELECT path, hashed_at FROM inventory_hashes ORDER BY path').all() as Array<{ path: string; hashed_at: string }>;
    const before = rows();
    expect(before.length).toBe(first.stats.filesHashed);

    const second = await scan(core);
    expect(second.stats).toMatchObject({ filesHashed: 0, bytesHashed: 0, fromCache: first.stats.filesHashed, fromName: first.stats.fromName });
    expect(rows()).toEqual(before);

    // Same size, new content and mtime: only that file is read.
    const changed = fakeGguf(GGUF.length, 99);
    fs.writeFileSync(t.janFile, changed);
    fs.utimesSync(t.janFile, new Date(), new Date(Date.now() + 5000));
    const third = await scan(core);
    expect(third.stats.filesHashed).toBe(1);
    expect(third.files.find((f) => f.path === fs.realpathSync(t.janFile))?.sha256).toBe(sha256(changed));
    expect(third.duplicates.find((d) => d.sha256 === GGUF_SHA)?.copies).toHaveLength(3);
  });

  it('verifyNames hashes unverified content-addressed blobs and reports one whose content does not match its name', async () => {
    const t = buildTrees();
    fs.writeFileSync(t.hfBlob, fakeGguf(GGUF.length, 3)); // a corrupt download: same size, other bytes
    core = openTestCore(home, t.env);
    const plain = await scan(core);
    expect(plain.warnings.join('\n')).not.toMatch(/differs from its name/);
    const verified = await scan(core, true);
    expect(verified.warnings.join('\n')).toMatch(new RegExp(`${GGUF_SHA.slice(0, 8)}.*differs from its name|differs from its name`));
    expect(verified.files.find((f) => f.path === fs.realpathSync(t.hfBlob))?.hashSource).toBe('computed');
    // The Ollama blob's name was checked by Ollama when it pulled it: not read again.
    expect(verified.files.find((f) => f.path === fs.realpathSync(t.ollamaBlob))?.hashSource).toBe('name-verified');
  });
});

describe('dedupe', () => {
  it('lists, then hardlinks the immutable pair and leaves LM Studio and Jan copies alone, with the reason', async () => {
    const t = buildTrees();
    const env = testEnv(home, t.env);
    const dry = await runCliProcess(['dedupe', '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would link ${fs.realpathSync(t.hfBlob)} → ${fs.realpathSync(t.ollamaBlob)}`);
    expect(dry.stdout).toMatch(new RegExp(`left alone ${fs.realpathSync(t.lmstudioFile).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: LM Studio keeps plain files`));
    expect(dry.stdout).toContain(`Would save ${(GGUF.length / 1000).toFixed(1)} KB`);
    expect(inode(t.hfBlob)).not.toBe(inode(t.ollamaBlob));

    const real = await runCliProcess(['dedupe', '--json'], env);
    expect(real.code, real.stderr).toBe(0);
    const out = JSON.parse(real.stdout) as { outcome: { linked: Array<{ path: string }>; bytesSaved: number } };
    expect(out.outcome.linked.map((l) => l.path)).toEqual([fs.realpathSync(t.hfBlob)]);
    expect(out.outcome.bytesSaved).toBe(GGUF.length);
    expect(inode(t.hfBlob)).toBe(inode(t.ollamaBlob));
    expect(fs.statSync(t.ollamaBlob).nlink).toBe(2);
    // Content intact, through the HF snapshot link too; the mutable copies keep their own inode.
    expect(sha256(fs.readFileSync(t.hfSnapshotFile))).toBe(GGUF_SHA);
    expect(sha256(fs.readFileSync(t.ollamaBlob))).toBe(GGUF_SHA);
    expect(inode(t.lmstudioFile)).not.toBe(inode(t.ollamaBlob));
    expect(inode(t.janFile)).not.toBe(inode(t.ollamaBlob));
    expect(fs.readdirSync(path.dirname(t.hfBlob)).filter((n) => n.includes('mc-dedupe'))).toEqual([]);

    core = openTestCore(home, t.env);
    const after = await scan(core);
    const g = after.duplicates.find((d) => d.sha256 === GGUF_SHA)!;
    expect(g.wastedBytes).toBe(2 * GGUF.length);
    expect(g.dedupeBytes).toBe(0);
    expect(after.totals.sizeBytes).toBe(after.tools.reduce((s, x) => s + x.sizeBytes, 0));
  });

  it('re-verifies right before linking: a file changed after the scan is skipped, a stale preview is refused', async () => {
    const t = buildTrees();
    core = openTestCore(home, t.env);
    const first = await scan(core);
    const preview = await core.invoke('inventory.dedupe', { dryRun: true });
    expect(preview.links).toHaveLength(1);
    // Same size, same mtime, other bytes: only hashing again can tell.
    const st = fs.statSync(t.hfBlob);
    fs.writeFileSync(t.hfBlob, fakeGguf(GGUF.length, 5));
    fs.utimesSync(t.hfBlob, st.atime, st.mtime);
    const run = await core.invoke('inventory.dedupe', { dryRun: false, scannedAt: first.scannedAt });
    const final = await core.jobs.waitForSettled(run.job!.id);
    expect(final.state).toBe('done');
    const outcome = core.jobStore.get(final.id)?.result as { linked: unknown[]; skipped: Array<{ path: string; reason: string }> };
    expect(outcome.linked).toEqual([]);
    expect(outcome.skipped).toEqual([{ path: fs.realpathSync(t.hfBlob), reason: expect.stringMatching(/content changed since the scan/) }]);
    expect(inode(t.hfBlob)).not.toBe(inode(t.ollamaBlob));

    await scan(core);
    await expect(core.invoke('inventory.dedupe', { dryRun: false, scannedAt: first.scannedAt })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('safe to delete', () => {
  it('is false for the files of a production registry version, an active job and a collection; true otherwise', async () => {
    const t = buildTrees();
    core = openTestCore(home, t.env);
    await core.invoke('registry.upsertModel', { name: 'tiny-embed', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: 'org/tiny-embed', revision: null } });
    await core.invoke('registry.registerVersion', { model: 'tiny-embed', version: '1.0.0', status: 'production' });
    // A development version pins nothing.
    await core.invoke('registry.upsertModel', { name: 'lm-tiny', type: 'llm', provider: 'local', source: { kind: 'path', path: t.lmstudioFile } });
    await core.invoke('registry.registerVersion', { model: 'lm-tiny', version: '0.1.0', status: 'development' });
    // A collection (a row of the collections domain's table) bound to a model whose source is the legacy folder.
    await core.invoke('registry.upsertModel', { name: 'minilm', type: 'embedding', provider: 'local', source: { kind: 'path', path: t.stFolder } });
    await core.invoke('registry.registerVersion', { model: 'minilm', version: '1.0.0', status: 'deprecated' });
    core.db.exec("INSERT INTO collections (name, model, version, chunk_size, chunk_overlap, created_at, updated_at) VALUES ('docs', 'minilm', '1.0.0', 200, 20, 'now', 'now');");
    // The version a rollback returns to keeps its files too.
    await core.invoke('registry.upsertModel', { name: 'jan-tiny', type: 'llm', provider: 'local', source: { kind: 'path', path: path.dirname(t.janFile) } });
    await core.invoke('registry.registerVersion', { model: 'jan-tiny', version: '1.0.0', status: 'production' });
    await core.invoke('registry.setCurrent', { model: 'jan-tiny', version: '1.0.0' });
    await core.invoke('registry.registerVersion', { model: 'jan-tiny', version: '1.1.0', status: 'production', source: { kind: 'path', path: path.join(home, 'elsewhere') } });
    await core.invoke('registry.setCurrent', { model: 'jan-tiny', version: '1.1.0' });
    await core.invoke('registry.setStatus', { model: 'jan-tiny', version: '1.0.0', status: 'deprecated' });
    const job = core.jobStore.insert('vosk.install', 'Install', { url: 'https://alphacephei.com/vosk/models/vosk-model-small-ru-0.22.zip' }, false, process.pid);
    // (The Vosk folder of these trees is <data>/vosk, where vosk.install unpacks.)
    const r = await scan(core);
    expect(model(r, 'huggingface:org/tiny-embed')).toMatchObject({ safeToDelete: false, usedBy: ['registry tiny-embed@1.0.0 (production) uses org/tiny-embed'] });
    expect(model(r, 'lmstudio:TheBloke/tiny-GGUF').safeToDelete).toBe(true);
    expect(model(r, 'sentence-transformers:sentence-transformers/all-MiniLM-L6-v2')).toMatchObject({
      safeToDelete: false,
      usedBy: [`collection docs uses minilm@1.0.0 (${t.stFolder})`],
    });
    expect(r.usage.tables).toContain('collections');
    expect(model(r, 'jan:tiny-q4')).toMatchObject({
      safeToDelete: false,
      usedBy: [`registry jan-tiny@1.0.0 (deprecated, previous: the rollback target) uses ${path.dirname(t.janFile)}`],
    });
    expect(model(r, 'huggingface:TheBloke/tiny-GGUF').safeToDelete).toBe(true);
    expect(model(r, 'ollama:tinyllama:latest').safeToDelete).toBe(true);
    expect(model(r, 'vosk:vosk-model-small-ru-0.22').usedBy).toEqual([expect.stringMatching(new RegExp(`^job ${job.id} \\(vosk.install, (queued|interrupted)\\)$`))]);
  });
});

/** Sets access and change times of every file under a folder (links followed, as the inventory reads them). */
function age(dir: string, when: Date): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    if (fs.statSync(p).isFile()) fs.utimesSync(p, when, when);
  }
}

describe('retention budget (cleanup --max-gb)', () => {
  it('removes models that are safe to delete, least recently used first, until under the budget; never a production one', async () => {
    const t = buildTrees();
    age(t.voskFolder, new Date('2020-01-01'));
    age(path.dirname(t.lmstudioFile), new Date('2021-01-01'));
    age(path.dirname(t.janFile), new Date('2022-01-01'));
    age(t.stFolder, new Date('2023-01-01'));
    age(path.join(home, 'hub', 'models--TheBloke--tiny-GGUF'), new Date('2024-01-01'));
    age(path.join(home, 'hub', 'models--org--tiny-embed'), new Date('2019-01-01'));
    core = openTestCore(home, t.env);
    await core.invoke('registry.upsertModel', { name: 'tiny-embed', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: 'org/tiny-embed', revision: null } });
    await core.invoke('registry.registerVersion', { model: 'tiny-embed', version: '1.0.0', status: 'production' });

    const all = await core.invoke('inventory.retention', { maxBytes: 0, dryRun: true });
    expect(all.remove.map((r) => r.id)).toEqual([
      'vosk:vosk-model-small-ru-0.22',
      'lmstudio:TheBloke/tiny-GGUF',
      'jan:tiny-q4',
      'sentence-transformers:sentence-transformers/all-MiniLM-L6-v2',
      'huggingface:TheBloke/tiny-GGUF',
      'ollama:tinyllama:latest',
    ]);
    expect(all.protected).toEqual([expect.objectContaining({ id: 'huggingface:org/tiny-embed', reason: 'registry tiny-embed@1.0.0 (production) uses org/tiny-embed' })]);
    expect(all.reachable).toBe(false);
    expect(all.remove.find((r) => r.tool === 'lmstudio')?.freeableBytes).toBe(GGUF.length);
    await core.close();
    core = undefined;

    // A budget that the two least recently used models free exactly.
    const vosk = all.remove[0]!.freeableBytes;
    const budget = all.totalBytes - vosk - GGUF.length;
    const env = testEnv(home, t.env);
    const dry = await runCliProcess(['cleanup', '--max-gb', (budget / 1e9).toFixed(9), '--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { remove: Array<{ id: string }>; afterBytes: number; reachable: boolean };
    expect(plan.remove.map((r) => r.id)).toEqual(['vosk:vosk-model-small-ru-0.22', 'lmstudio:TheBloke/tiny-GGUF']);
    expect(plan).toMatchObject({ afterBytes: budget, reachable: true });
    expect(fs.existsSync(t.voskFolder)).toBe(true);

    // Budget 0 for real: every safe model goes the way its tool removes it; Ollama's server is down, so that one stays.
    const real = await runCliProcess(['cleanup', '--max-gb', '0'], env);
    expect(real.code).toBe(1);
    expect(real.stdout).toMatch(/warning: ollama:tinyllama:latest: not removed: Ollama is not running/);
    for (const gone of [t.voskFolder, path.dirname(t.lmstudioFile), path.dirname(t.janFile), t.stFolder, path.join(home, 'hub', 'models--TheBloke--tiny-GGUF')]) {
      expect(fs.existsSync(gone), gone).toBe(false);
    }
    expect(fs.existsSync(path.join(home, 'hub', 'models--org--tiny-embed'))).toBe(true);
    expect(fs.existsSync(t.ollamaBlob)).toBe(true);
    expect(fs.existsSync(path.join(t.env.HOME!, '.lmstudio', 'models'))).toBe(true);
  });

  it('refuses --keep and --max-gb together, and a budget that is not a number', async () => {
    const env = testEnv(home, { HOME: path.join(home, 'h') });
    const both = await runCliProcess(['cleanup', '--keep', '1', '--max-gb', '5'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--keep N or --max-gb X/);
    const bad = await runCliProcess(['cleanup', '--max-gb', 'lots'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-gb must be a number of gigabytes/);
  });
});

describe('where the tools keep their models', () => {
  it('follows LM Studio’s home pointer and its Models Directory setting, and Jan’s settings.json data_folder', async () => {
    const h = path.join(home, 'h');
    const lmHome = path.join(home, 'elsewhere', 'lmstudio-home');
    const lmModels = path.join(home, 'big-disk', 'lm-models');
    fs.mkdirSync(h, { recursive: true });
    fs.writeFileSync(path.join(h, '.lmstudio-home-pointer'), `${lmHome}\n`);
    fs.mkdirSync(lmHome, { recursive: true });
    fs.writeFileSync(path.join(lmHome, 'settings.json'), JSON.stringify({ downloadsFolder: lmModels, other: 1 }));
    makeLmStudioModel(lmModels, 'lmstudio-community/Qwen3-0.6B-GGUF', { 'Qwen3-0.6B-Q8_0.gguf': fakeGguf(5000, 2) });
    const janData = path.join(home, 'big-disk', 'jan');
    fs.mkdirSync(path.join(h, '.local', 'share', 'Jan'), { recursive: true });
    fs.writeFileSync(path.join(h, '.local', 'share', 'Jan', 'settings.json'), JSON.stringify({ data_folder: janData, quick_ask: false }));
    makeJanModel(janData, 'Menlo/Jan-nano-gguf/jan-nano-4b-Q4_K_M', fakeGguf(4000, 3));
    // Jan copies the data folder on a move and leaves the old one: the default still holds a model.
    makeJanModel(path.join(h, '.local', 'share', 'Jan', 'data'), 'old-model', fakeGguf(3000, 4));
    core = openTestCore(home, { HOME: h });
    const r = await scan(core);
    const ids = r.models.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['lmstudio:lmstudio-community/Qwen3-0.6B-GGUF', 'jan:Menlo/Jan-nano-gguf/jan-nano-4b-Q4_K_M', 'jan:old-model']));
    expect(model(r, 'lmstudio:lmstudio-community/Qwen3-0.6B-GGUF').location).toBe(path.join(lmModels, 'lmstudio-community', 'Qwen3-0.6B-GGUF'));
    expect(r.roots.filter((x) => x.tool === 'jan').map((x) => x.path)).toEqual([path.join(janData, 'llamacpp', 'models'), path.join(h, '.local', 'share', 'Jan', 'data', 'llamacpp', 'models')]);
  });

  it('takes JAN_DATA_FOLDER and LMSTUDIO_MODELS_DIR over everything else; the platform decides Jan’s default', async () => {
    const { janDataFolders, lmStudioModelRoots } = await import('../../src/main/core/inventory/inventory-roots');
    const h = path.join(home, 'h');
    expect(await janDataFolders({ HOME: h, JAN_DATA_FOLDER: '/srv/jan' }, 'linux')).toEqual(['/srv/jan']);
    expect(await janDataFolders({ HOME: h }, 'linux')).toEqual([path.join(h, '.local', 'share', 'Jan', 'data')]);
    expect(await janDataFolders({ HOME: h, XDG_DATA_HOME: '/xdg' }, 'linux')).toEqual(['/xdg/Jan/data']);
    expect(await janDataFolders({ HOME: h }, 'darwin')).toEqual([path.join(h, 'Library', 'Application Support', 'Jan', 'data')]);
    expect(await janDataFolders({ HOME: h, APPDATA: '/appdata' }, 'win32')).toEqual([path.join('/appdata', 'Jan', 'data')]);
    expect(await lmStudioModelRoots({ HOME: h, LMSTUDIO_MODELS_DIR: `/a${path.delimiter}/b` })).toEqual(['/a', '/b']);
    expect(await lmStudioModelRoots({ HOME: h })).toEqual([path.join(h, '.lmstudio', 'models'), path.join(h, '.cache', 'lm-studio', 'models')]);
    // Before 0.3 LM Studio lived in ~/.cache/lm-studio; its CLI still picks that when it exists.
    fs.mkdirSync(path.join(h, '.cache', 'lm-studio'), { recursive: true });
    expect((await lmStudioModelRoots({ HOME: h }))[0]).toBe(path.join(h, '.cache', 'lm-studio', 'models'));
  });
});

describe('the scan job', () => {
  it('reports hashing progress in bytes, cancels mid-file, and pauses and resumes', async () => {
    const h = path.join(home, 'h');
    const big = path.join(makeLmStudioModel(path.join(h, '.lmstudio', 'models'), 'big/model-GGUF', { 'small.gguf': fakeGguf(1000, 1) }), 'big.gguf');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, 1_000_000_000); // sparse: no disk used, but every byte is read
    core = openTestCore(home, { HOME: h });
    const c = core;
    const firstHashing = (id: number): Promise<void> =>
      new Promise((resolve) => {
        const off = c.bus.on('job.updated', (j) => {
          if (j.id === id && j.phase === 'hashing' && typeof j.detail?.bytesTotal === 'number') {
            off();
            resolve();
          }
        });
      });
    const job = await c.invoke('inventory.scan', { verifyNames: false });
    await firstHashing(job.id);
    const detail = c.jobStore.get(job.id)?.detail;
    expect(detail?.bytesTotal).toBe(1_000_000_000 + 1000);
    await c.invoke('jobs.cancel', { id: job.id });
    expect((await c.jobs.waitForSettled(job.id)).state).toBe('cancelled');
    expect(c.db.prepare('SELECT 1 FROM inventory_hashes WHERE path = ?').get(fs.realpathSync(big))).toBeUndefined();

    const again = await c.invoke('inventory.scan', { verifyNames: false });
    await firstHashing(again.id);
    expect((await c.invoke('jobs.pause', { id: again.id })).state).toBe('paused');
    c.jobs.resume(again.id);
    const final = await c.jobs.waitForSettled(again.id);
    expect(final.state).toBe('done');
    const r = (await c.invoke('inventory.get', {}))!;
    expect(r.files.find((f) => f.path === fs.realpathSync(big))?.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});

describe('inventory on the command line', () => {
  it('prints tools, models with safe-to-delete marks and duplicates; --last reprints without scanning', async () => {
    const t = buildTrees();
    const env = testEnv(home, t.env);
    const r = await runCliProcess(['inventory', '--files'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^LM Studio\s+1\s+1\s+300\.0 KB$/m);
    expect(r.stdout).toMatch(/lmstudio\s+TheBloke\/tiny-GGUF\s+300\.0 KB\s+1\s+\S+\s+yes/);
    expect(r.stdout).toContain('Duplicates: 1 group(s), 900.0 KB in extra copies; hardlinks on the same filesystem would save 900.0 KB, `dedupe` saves 300.0 KB');
    expect(r.stdout).toContain(`${GGUF_SHA.slice(0, 12)}…  300.0 KB  name-verified  immutable  ${fs.realpathSync(t.ollamaBlob)}`);
    expect(r.stdout).toMatch(/not in this database yet: [^\n]*migrations/);
    const last = await runCliProcess(['inventory', '--last', '--json'], env);
    expect(last.code).toBe(0);
    expect((JSON.parse(last.stdout) as InventoryReportDTO).stats.filesHashed).toBeGreaterThan(0);
  });
});
