import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { stampChunks } from '../../src/main/core/registry/document-metadata';
import { expectCode, tempCore } from './registry-helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(() => {
  ({ core, cleanup } = tempCore());
});
afterEach(async () => cleanup());

async function model(name = 'bge', extra: Record<string, unknown> = {}): Promise<void> {
  await core.invoke('registry.upsertModel', {
    name,
    type: 'embedding',
    provider: 'huggingface',
    source: { kind: 'hub', repoId: `BAAI/${name}`, revision: 'a'.repeat(40) },
    dimension: 1024,
    ...extra,
  });
}

describe('registry models', () => {
  it('creates, updates and finds a model by name or alias', async () => {
    await model('bge-m3', { aliases: ['bge'] });
    await model('bge-m3', { aliases: ['bge', 'm3'], notes: 'updated' });
    const got = await core.invoke('registry.getModel', { model: 'M3' });
    expect(got.name).toBe('bge-m3');
    expect(got.aliases).toEqual(['bge', 'm3']);
    expect(got.notes).toBe('updated');
    expect(await core.invoke('registry.listModels', { type: 'llm' })).toEqual([]);
  });

  it('refuses non-slug names, taken aliases and a source that does not fit the provider', async () => {
    await expectCode(() => core.invoke('registry.upsertModel', { name: 'Bad Name', type: 'llm', provider: 'ollama' }), 'INVALID_INPUT');
    await model('one', { aliases: ['shared'] });
    await expectCode(() => model('two', { aliases: ['shared'] }), 'CONFLICT');
    await expectCode(() => model('shared'), 'CONFLICT');
    const err = await expectCode(
      () => core.invoke('registry.upsertModel', { name: 'x', type: 'llm', provider: 'ollama', source: { kind: 'path', path: '/m' } }),
      'INVALID_INPUT',
    );
    expect(err.hint).toMatch(/ollama/);
    await expectCode(() => core.invoke('registry.getModel', { model: 'nope' }), 'MODEL_NOT_FOUND');
  });
});

describe('registry versions, current and rollback', () => {
  it('normalises versions with a message, refuses duplicates and orders by semver', async () => {
    await model();
    const r = await core.invoke('registry.registerVersion', { model: 'bge', version: 'v1.2' });
    expect(r.version.version).toBe('1.2.0');
    expect(r.messages[0]).toMatch(/normalised to "1.2.0"/);
    expect((await core.invoke('registry.registerVersion', { model: 'bge', version: '1.10.0' })).messages).toEqual([]);
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.9.0' });
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.10.0-rc.2' });
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.10.0-rc.10' });
    await expectCode(() => core.invoke('registry.registerVersion', { model: 'bge', version: '1.2.0' }), 'CONFLICT');
    await expectCode(() => core.invoke('registry.registerVersion', { model: 'bge', version: 'latest' }), 'INVALID_INPUT');
    expect((await core.invoke('registry.versions', { model: 'bge' })).map((v) => v.version)).toEqual(['1.10.0', '1.10.0-rc.10', '1.10.0-rc.2', '1.9.0', '1.2.0']);
  });

  it('keeps exactly one current version, remembers the previous one and rolls back in one step', async () => {
    await model();
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.0.0', status: 'production' });
    await core.invoke('registry.registerVersion', { model: 'bge', version: '2.0.0', status: 'staging' });
    await core.invoke('registry.setCurrent', { model: 'bge', version: '1.0.0', expectedCurrent: null });
    await core.invoke('registry.setStatus', { model: 'bge', version: '2.0.0', status: 'production' });
    const switched = await core.invoke('registry.setCurrent', { model: 'bge', version: '2.0.0', expectedCurrent: '1.0.0' });
    expect(switched.currentVersion).toBe('2.0.0');
    expect(switched.previousVersion).toBe('1.0.0');
    expect(switched.versions.filter((v) => v.isCurrent).map((v) => v.version)).toEqual(['2.0.0']);

    const back = await core.invoke('registry.rollback', { model: 'bge', expectedCurrent: '2.0.0' });
    expect(back.from).toBe('2.0.0');
    expect(back.to).toBe('1.0.0');
    expect(back.model.currentVersion).toBe('1.0.0');
    expect(back.model.previousVersion).toBe('2.0.0');
    // production → staging happens only here.
    expect(back.model.versions.find((v) => v.version === '2.0.0')?.status).toBe('staging');
    expect(back.model.versions.filter((v) => v.isCurrent)).toHaveLength(1);
  });

  it('compare-and-set refuses a stale expectation and changes nothing', async () => {
    await model();
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.0.0', status: 'production' });
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.1.0', status: 'production' });
    await core.invoke('registry.setCurrent', { model: 'bge', version: '1.0.0' });
    const err = await expectCode(() => core.invoke('registry.setCurrent', { model: 'bge', version: '1.1.0', expectedCurrent: null }), 'CURRENT_CHANGED');
    expect(err.hint).toMatch(/Nothing was changed/);
    await expectCode(() => core.invoke('registry.rollback', { model: 'bge', expectedCurrent: '1.1.0' }), 'CURRENT_CHANGED');
    expect((await core.invoke('registry.getModel', { model: 'bge' })).currentVersion).toBe('1.0.0');
  });

  it('refuses rollback without a previous version, and to an archived one', async () => {
    await model();
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.0.0', status: 'production' });
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.1.0', status: 'production' });
    await core.invoke('registry.setCurrent', { model: 'bge', version: '1.0.0' });
    await expectCode(() => core.invoke('registry.rollback', { model: 'bge' }), 'CONFLICT');
    await core.invoke('registry.setCurrent', { model: 'bge', version: '1.1.0' });
    await core.invoke('registry.setStatus', { model: 'bge', version: '1.0.0', status: 'deprecated' });
    await core.invoke('registry.setStatus', { model: 'bge', version: '1.0.0', status: 'archived' });
    await expectCode(() => core.invoke('registry.rollback', { model: 'bge' }), 'ILLEGAL_TRANSITION');
  });

  it('announces committed writes on the event bus, and not refused ones', async () => {
    const seen: Array<{ model: string | null; action: string }> = [];
    const off = core.bus.on('registry.changed', (e) => seen.push(e));
    await model();
    await core.invoke('registry.registerVersion', { model: 'BGE', version: '1.0.0', status: 'production' });
    await expectCode(() => core.invoke('registry.setStatus', { model: 'bge', version: '1.0.0', status: 'staging' }), 'ILLEGAL_TRANSITION');
    off();
    expect(seen).toEqual([
      { model: 'bge', action: 'upsertModel' },
      { model: 'bge', action: 'registerVersion' },
    ]);
  });

  it('announces writes committed by another process (another connection) as external changes', async () => {
    const { createCore } = await import('../../src/main/core/create-core');
    const other = createCore({ surface: 'test', env: { MODEL_CENTER_HOME: path.dirname(core.dbPath) } });
    try {
      const seen: string[] = [];
      const off = core.bus.on('registry.changed', (e) => seen.push(e.action));
      await other.invoke('registry.upsertModel', { name: 'elsewhere', type: 'llm', provider: 'local' });
      for (let i = 0; i < 40 && !seen.includes('external'); i++) await new Promise((r) => setTimeout(r, 100));
      off();
      expect(seen).toContain('external');
    } finally {
      await other.close();
    }
  });

  it('keeps every metrics row as history', async () => {
    await model();
    await core.invoke('registry.registerVersion', { model: 'bge', version: '1.0.0', metrics: { accuracy: 0.92 } });
    await core.invoke('registry.recordMetrics', { model: 'bge', version: '1.0.0', metrics: { accuracy: 0.94, latency_ms: 38.5 }, source: 'bench' });
    const history = await core.invoke('registry.metricsHistory', { model: 'bge', version: '1.0.0' });
    expect(history.map((h) => h.metrics)).toEqual([{ accuracy: 0.92 }, { accuracy: 0.94, latency_ms: 38.5 }]);
    expect((await core.invoke('registry.versions', { model: 'bge' }))[0]?.latestMetrics?.metrics.accuracy).toBe(0.94);
    await expectCode(() => core.call('registry.recordMetrics', { model: 'bge', version: '1.0.0', metrics: { accuracy: 'high' } }), 'INVALID_INPUT');
  });
});

describe('registry imports', () => {
  const ENV = `# seed 001 .env
EMB_WORKERS=2
EMB_MODELS="minilm:sentence-transformers/all-MiniLM-L6-v2:default:384:256,newmodel:sentence-transformers/all-mpnet-base-v2:abc123:768:512,broken:only-three:x,dimless:org/m:main:abc:512,minilm:org/other:main:3:4, bad alias!:org/z:main:3:4"
`;

  it('imports EMB_MODELS, refusing malformed entries with reasons, and is idempotent', async () => {
    const r = await core.invoke('registry.importEnv', { text: ENV });
    expect(r.imported).toHaveLength(2);
    expect(r.refused.map((x) => x.entry)).toEqual(['broken:only-three:x', 'dimless:org/m:main:abc:512', 'minilm:org/other:main:3:4', 'bad alias!:org/z:main:3:4']);
    expect(r.refused[0]?.reason).toMatch(/5 fields/);
    expect(r.refused[1]?.reason).toMatch(/dim "abc"/);
    expect(r.refused[2]?.reason).toMatch(/twice/);
    expect(r.refused[3]?.reason).toMatch(/slug/);
    const mpnet = await core.invoke('registry.getModel', { model: 'newmodel' });
    expect(mpnet).toMatchObject({ name: 'all-mpnet-base-v2', dimension: 768, maxSeqLength: 512, currentVersion: '1.0.0' });
    expect(mpnet.source).toEqual({ kind: 'hub', repoId: 'sentence-transformers/all-mpnet-base-v2', revision: 'abc123' });
    expect((await core.invoke('registry.getModel', { model: 'minilm' })).source).toMatchObject({ revision: null });
    const again = await core.invoke('registry.importEnv', { text: 'minilm:sentence-transformers/all-MiniLM-L6-v2:default:384:256' });
    expect(again).toMatchObject({ imported: [], unchanged: ['minilm:sentence-transformers/all-MiniLM-L6-v2:default:384:256'] });
  });

  it('strict mode writes nothing when anything is refused', async () => {
    const r = await core.invoke('registry.importEnv', { text: ENV, strict: true });
    expect(r.rolledBack).toBe(true);
    expect(r.imported).toEqual([]);
    expect(await core.invoke('registry.listModels', {})).toEqual([]);
  });

  const JSON_DOC = {
    models: {
      'paraphrase-multilingual-MiniLM-L12-v2': {
        model_name: 'paraphrase-multilingual-MiniLM-L12-v2',
        model_type: 'embedding',
        current_version: '1.1.0',
        versions: {
          '1.0.0': { version: '1.0.0', description: 'Первая версия', status: 'production', performance_metrics: { accuracy: 0.92 }, created_at: '2024-01-15T10:30:00' },
          '1.1.0': { version: '1.1.0', status: 'production', performance_metrics: { accuracy: 0.94, latency_ms: 38.5, note: 'x' }, dependencies: {} },
          'v1.2': { status: 'staging' },
          'not-a-version': { status: 'development' },
          '2.0.0': { status: 'retired' },
        },
      },
      reranker: { model_type: 'reranker', versions: [{ version: '0.1.0', status: 'development' }] },
      weird: { model_type: 'vision', versions: {} },
      junk: 42,
    },
  };

  it('imports a seed-003 model_registry.json, refusing bad entries with reasons', async () => {
    const r = await core.invoke('registry.importJson', { text: JSON.stringify(JSON_DOC) });
    expect(r.imported).toEqual([
      'paraphrase-multilingual-minilm-l12-v2',
      'paraphrase-multilingual-minilm-l12-v2@1.0.0',
      'paraphrase-multilingual-minilm-l12-v2@1.1.0',
      'paraphrase-multilingual-minilm-l12-v2@v1.2',
      'paraphrase-multilingual-minilm-l12-v2 current=1.1.0',
      'reranker',
      'reranker@0.1.0',
    ]);
    const refused = Object.fromEntries(r.refused.map((x) => [x.entry, x.reason]));
    expect(refused['paraphrase-multilingual-minilm-l12-v2@not-a-version']).toMatch(/not a semantic version/);
    expect(refused['paraphrase-multilingual-minilm-l12-v2@2.0.0']).toMatch(/status "retired"/);
    expect(refused.weird).toMatch(/model_type "vision"/);
    expect(refused.junk).toMatch(/not an object/);
    expect(r.messages.join('\n')).toMatch(/registered as "paraphrase-multilingual-minilm-l12-v2"/);
    const m = await core.invoke('registry.getModel', { model: 'paraphrase-multilingual-minilm-l12-v2' });
    expect(m.currentVersion).toBe('1.1.0');
    expect(m.versions.map((v) => [v.version, v.status])).toEqual([
      ['1.2.0', 'staging'],
      ['1.1.0', 'production'],
      ['1.0.0', 'production'],
    ]);
    expect(m.versions[2]?.createdAt).toBe('2024-01-15T10:30:00.000Z');
    expect(m.versions[1]?.latestMetrics?.metrics).toEqual({ accuracy: 0.94, latency_ms: 38.5 });
    const again = await core.invoke('registry.importJson', { text: JSON.stringify(JSON_DOC) });
    expect(again.imported).toEqual([]);
  });

  it('reports a file that is not JSON instead of throwing', async () => {
    const r = await core.invoke('registry.importJson', { text: '{"models": ' });
    expect(r.refused[0]?.reason).toMatch(/not valid JSON/);
  });
});

describe('registry metadata migrations', () => {
  it('finds the shortest path, dry-runs, then applies in one transaction appending history', async () => {
    await model('mini');
    for (const [f, t] of [
      ['1.0.0', '1.1.0'],
      ['1.1.0', '1.2.0'],
      ['1.2.0', '2.0.0'],
      ['1.0.0', '1.5.0'],
      ['1.5.0', '2.0.0'],
      ['2.0.0', '1.0.0'],
    ] as const) {
      await core.invoke('registry.addMigrationStrategy', { model: 'mini', fromVersion: f, toVersion: t });
    }
    const p = await core.invoke('registry.migrationPath', { model: 'mini', fromVersion: '1.0', toVersion: '2.0.0' });
    expect(p.canMigrate).toBe(true);
    expect(p.path.map((s) => s.toVersion)).toEqual(['1.5.0', '2.0.0']);
    // Through the cycle 2.0.0 → 1.0.0: a back-edge is a path too.
    const viaCycle = await core.invoke('registry.migrationPath', { model: 'mini', fromVersion: '1.2.0', toVersion: '1.1.0' });
    expect(viaCycle.path.map((s) => s.toVersion)).toEqual(['2.0.0', '1.0.0', '1.1.0']);
    expect((await core.invoke('registry.migrationPath', { model: 'mini', fromVersion: '1.2.0', toVersion: '3.0.0' })).canMigrate).toBe(false);

    stampChunks(core.db, [
      { collection: 'docs', chunkId: 'a', embeddingModel: 'mini', embeddingModelVersion: '1.0.0' },
      { collection: 'docs', chunkId: 'b', embeddingModel: 'BAAI/mini', embeddingModelVersion: '1.0.0' },
      { collection: 'other', chunkId: 'c', embeddingModel: 'mini', embeddingModelVersion: '1.0.0' },
      { collection: 'docs', chunkId: 'd', embeddingModel: 'mini', embeddingModelVersion: '1.1.0' },
    ]);
    const dry = await core.invoke('registry.migrateMetadata', { model: 'mini', fromVersion: '1.0.0', toVersion: '2.0.0', collection: 'docs' });
    expect(dry).toMatchObject({ dryRun: true, affected: 2, migrated: 0, requiresReembed: false });
    const unchanged = core.db.prepare("SELECT count(*) FROM document_metadata WHERE embedding_model_version = '1.0.0'").pluck().get();
    expect(unchanged).toBe(3);

    const applied = await core.invoke('registry.migrateMetadata', { model: 'mini', fromVersion: '1.0.0', toVersion: '2.0.0', collection: 'docs', dryRun: false });
    expect(applied).toMatchObject({ dryRun: false, affected: 2, migrated: 2 });
    const rows = core.db.prepare("SELECT chunk_id, embedding_model_version AS v, migration_history AS h FROM document_metadata WHERE collection = 'docs' ORDER BY chunk_id").all() as {
      chunk_id: string;
      v: string;
      h: string;
    }[];
    expect(rows.map((r) => [r.chunk_id, r.v])).toEqual([
      ['a', '2.0.0'],
      ['b', '2.0.0'],
      ['d', '1.1.0'],
    ]);
    const history = JSON.parse(rows[0]?.h ?? '[]') as Array<{ from_version: string; to_version: string; migrated_at: string }>;
    expect(history.map((h) => `${h.from_version}>${h.to_version}`)).toEqual(['1.0.0>1.5.0', '1.5.0>2.0.0']);

    // Back again along the downgrade edge: history is appended, never replaced.
    await core.invoke('registry.migrateMetadata', { model: 'mini', fromVersion: '2.0.0', toVersion: '1.0.0', dryRun: false });
    const h2 = JSON.parse(core.db.prepare("SELECT migration_history FROM document_metadata WHERE chunk_id = 'a'").pluck().get() as string) as unknown[];
    expect(h2).toHaveLength(3);
  });

  it('refuses to apply a path that needs re-embedding, and a missing path', async () => {
    await model('mini');
    await core.invoke('registry.addMigrationStrategy', { model: 'mini', fromVersion: '1.0.0', toVersion: '2.0.0', kind: 'reembed' });
    stampChunks(core.db, [{ collection: 'docs', chunkId: 'a', embeddingModel: 'mini', embeddingModelVersion: '1.0.0' }]);
    const dry = await core.invoke('registry.migrateMetadata', { model: 'mini', fromVersion: '1.0.0', toVersion: '2.0.0' });
    expect(dry.requiresReembed).toBe(true);
    await expectCode(() => core.invoke('registry.migrateMetadata', { model: 'mini', fromVersion: '1.0.0', toVersion: '2.0.0', dryRun: false }), 'CONFLICT');
    expect(core.db.prepare("SELECT embedding_model_version FROM document_metadata WHERE chunk_id = 'a'").pluck().get()).toBe('1.0.0');
    await expectCode(() => core.invoke('registry.migrateMetadata', { model: 'mini', fromVersion: '2.0.0', toVersion: '3.0.0' }), 'NO_MIGRATION_PATH');
  });
});
