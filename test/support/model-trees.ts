import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function write(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** An Ollama store as `ollama pull` leaves it: manifests/<registry>/<ns>/<model>/<tag> plus blobs/sha256-<hex>. */
export function makeOllamaStore(root: string, models: Array<{ name: string; tag: string; namespace?: string; layers: number[]; dropBlob?: number }>): void {
  for (const m of models) {
    const layers = m.layers.map((size, i) => {
      const data = Buffer.alloc(size, `${m.name}:${m.tag}:${i}`);
      const digest = `sha256:${sha(data)}`;
      if (m.dropBlob !== i) write(path.join(root, 'blobs', digest.replace(':', '-')), data);
      return { mediaType: i === 0 ? 'application/vnd.ollama.image.model' : 'application/vnd.ollama.image.params', digest, size };
    });
    const config = Buffer.from(JSON.stringify({ model_format: 'gguf', model_family: 'llama' }));
    const configDigest = `sha256:${sha(config)}`;
    write(path.join(root, 'blobs', configDigest.replace(':', '-')), config);
    const manifest = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: configDigest, size: config.length }, layers };
    write(path.join(root, 'manifests', 'registry.ollama.ai', m.namespace ?? 'library', m.name, m.tag), JSON.stringify(manifest));
  }
}

/** A Vosk model folder; `omit` drops parts to make it incomplete. */
export function makeVoskModel(dir: string, opts: { omit?: Array<'am' | 'conf' | 'graph'>; lookahead?: boolean } = {}): void {
  const omit = new Set(opts.omit ?? []);
  if (!omit.has('am')) write(path.join(dir, 'am', 'final.mdl'), Buffer.alloc(2048, 1));
  if (!omit.has('conf')) write(path.join(dir, 'conf', 'mfcc.conf'), '--sample-frequency=16000\n');
  if (!omit.has('graph')) {
    if (opts.lookahead) {
      write(path.join(dir, 'graph', 'Gr.fst'), Buffer.alloc(512, 2));
      write(path.join(dir, 'graph', 'HCLr.fst'), Buffer.alloc(512, 3));
    } else write(path.join(dir, 'graph', 'HCLG.fst'), Buffer.alloc(1024, 2));
  }
  write(path.join(dir, 'ivector', 'final.ie'), Buffer.alloc(256, 4));
  write(path.join(dir, 'README'), 'Vosk model\n');
}

/** One hub-cache repo in the huggingface_hub layout, with refs, snapshots linking into blobs, and leftovers. */
export function makeHfRepo(
  cache: string,
  repoId: string,
  revisions: Array<{ commit: string; ref?: string; files: Record<string, string | Buffer> }>,
  incomplete: Array<{ name: string; bytes: number }> = [],
): string {
  const repo = path.join(cache, `models--${repoId.replace('/', '--')}`);
  for (const rev of revisions) {
    if (rev.ref) write(path.join(repo, 'refs', rev.ref), rev.commit);
    for (const [rel, content] of Object.entries(rev.files)) {
      const blob = sha(content);
      write(path.join(repo, 'blobs', blob), content);
      const link = path.join(repo, 'snapshots', rev.commit, rel);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.relative(path.dirname(link), path.join(repo, 'blobs', blob)), link);
    }
  }
  for (const inc of incomplete) write(path.join(repo, 'blobs', `${inc.name}.incomplete`), Buffer.alloc(inc.bytes, 9));
  return repo;
}

/** A model saved by sentence-transformers < 2.3 under its own cache (`org_name` folder). */
export function makeStLegacy(
  root: string,
  folder: string,
  opts: {
    weights?: boolean;
    /** Write 1_Pooling/config.json with these pooling flags (and word_embedding_dimension 384). */
    pooling?: Record<string, boolean>;
    /** Write sentence_bert_config.json with this max_seq_length. */
    maxSeqLength?: number;
    /** Add a 2_Dense module projecting to this many dimensions. */
    dense?: number;
  } = {},
): string {
  const dir = path.join(root, folder);
  const modules: Array<{ idx: number; name: string; path: string; type: string }> = [{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }];
  if (opts.pooling) {
    modules.push({ idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' });
    write(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 384, ...opts.pooling }));
  }
  if (opts.dense) {
    modules.push({ idx: 2, name: '2', path: '2_Dense', type: 'sentence_transformers.models.Dense' });
    write(path.join(dir, '2_Dense', 'config.json'), JSON.stringify({ in_features: 384, out_features: opts.dense, bias: true }));
  }
  write(path.join(dir, 'modules.json'), JSON.stringify(modules));
  write(path.join(dir, 'config.json'), JSON.stringify({ architectures: ['BertModel'], hidden_size: 384 }));
  write(path.join(dir, 'config_sentence_transformers.json'), JSON.stringify({ __version__: { sentence_transformers: '2.2.2' } }));
  if (opts.maxSeqLength) write(path.join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: opts.maxSeqLength, do_lower_case: false }));
  if (opts.weights !== false) write(path.join(dir, 'pytorch_model.bin'), Buffer.alloc(4096, 5));
  return dir;
}
