import { useEffect, useState } from 'react';
import { useBundlesStore } from '../stores/bundles-store';
import { formatBytes } from './format';

/** The S3-compatible model store (seed 001's MinIO bucket): its settings, what it holds, and pulling from it. */
export function ModelStorePanel(): React.JSX.Element {
  const { store, published, busy, configureStore, loadPublished, pull } = useBundlesStore();
  const [draft, setDraft] = useState({ endpoint: '', bucket: '', region: 'us-east-1', prefix: '', forcePathStyle: true });
  const [keys, setKeys] = useState({ accessKeyId: '', secretAccessKey: '' });
  useEffect(() => {
    if (store) setDraft({ endpoint: store.endpoint, bucket: store.bucket, region: store.region, prefix: store.prefix, forcePathStyle: store.forcePathStyle });
  }, [store]);
  if (!store) return <></>;
  const save = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    const withKeys = keys.accessKeyId && keys.secretAccessKey ? keys : {};
    if (await configureStore({ ...draft, ...withKeys })) setKeys({ accessKeyId: '', secretAccessKey: '' });
  };
  const field = (key: 'endpoint' | 'bucket' | 'region' | 'prefix', label: string, placeholder: string): React.JSX.Element => (
    <label>
      {label}
      <input value={draft[key]} placeholder={placeholder} disabled={store.sources[key] === 'env'} onChange={(e) => setDraft({ ...draft, [key]: e.target.value.trim() })} />
    </label>
  );
  return (
    <details className="import-panel" data-testid="model-store">
      <summary>S3 model store {store.configured ? `(${store.bucket})` : '(not set up)'}</summary>
      <form className="form" onSubmit={(e) => void save(e)} aria-label="Model store settings">
        {field('endpoint', 'Endpoint (empty for AWS S3)', 'http://minio:9000')}
        <div className="row">
          {field('bucket', 'Bucket', 'models')}
          {field('region', 'Region', 'us-east-1')}
          {field('prefix', 'Prefix', 'team/models')}
        </div>
        <label className="row">
          <input type="checkbox" checked={draft.forcePathStyle} onChange={(e) => setDraft({ ...draft, forcePathStyle: e.target.checked })} />
          Path-style URLs (MinIO and most S3-compatible servers)
        </label>
        <p className="muted">{store.keys.present ? `Keys are set (${store.keys.source === 'env' ? 'from S3_ACCESS_KEY / S3_SECRET_KEY' : 'stored as secrets'}).` : 'No keys yet.'}</p>
        <div className="row">
          <input aria-label="Access key id" autoComplete="off" placeholder="access key id" value={keys.accessKeyId} onChange={(e) => setKeys({ ...keys, accessKeyId: e.target.value })} />
          <input aria-label="Secret access key" type="password" autoComplete="off" placeholder="secret access key" value={keys.secretAccessKey} onChange={(e) => setKeys({ ...keys, secretAccessKey: e.target.value })} />
        </div>
        <div className="row">
          <button type="submit" disabled={busy}>
            Save store settings
          </button>
          <button type="button" disabled={busy || !store.configured} onClick={() => void loadPublished()}>
            List published models
          </button>
        </div>
      </form>
      {published && published.length === 0 && <p className="muted">The store holds no published models.</p>}
      {published && published.length > 0 && (
        <table className="data-table" data-testid="published-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Commit</th>
              <th>Refs</th>
              <th>Size</th>
              <th>Registry</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {published.map((p) => (
              <tr key={`${p.repo}@${p.commit}`}>
                <td>{p.repo}</td>
                <td className="mono">{p.commit.slice(0, 10)}</td>
                <td className="mono">{p.refs.join(', ') || '—'}</td>
                <td>{formatBytes(p.sizeBytes)}</td>
                <td>{p.registry.join(', ') || '—'}</td>
                <td>
                  <button type="button" disabled={busy} onClick={() => void pull(p.repo, p.commit)}>
                    Pull
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
