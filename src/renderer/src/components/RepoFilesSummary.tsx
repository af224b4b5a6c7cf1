import type { RepoFilesDTO } from '../../../shared/contract';
import { formatBytes } from './format';

/** What a Look up found: the commit a download would pin, the variants with their sizes, and every file. */
export function RepoFilesSummary({ result }: { result: RepoFilesDTO }): React.JSX.Element {
  const total = result.files.reduce((s, f) => s + f.size, 0);
  return (
    <div className="panel repo-files" data-testid="repo-lookup">
      <div>
        <span className="mono">{result.revision} → {result.commit}</span>
        {result.sentenceTransformers && <span className="badge">sentence-transformers</span>}
      </div>
      <table className="data-table">
        <thead>
          <tr>
            <th>Variant</th>
            <th>Files</th>
            <th>Download size</th>
          </tr>
        </thead>
        <tbody>
          {result.variants.map((v) => (
            <tr key={v.variant} data-variant={v.variant}>
              <td>{v.variant}</td>
              <td>{v.available ? v.files.length : '—'}</td>
              <td>{v.available ? formatBytes(v.bytes) : 'not in this repo'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details>
        <summary>
          {result.files.length} files in the repo, {formatBytes(total)}
        </summary>
        <ul className="repo-file-list mono">
          {result.files.map((f) => (
            <li key={f.path}>
              {f.path} · {formatBytes(f.size)}
              {f.lfs && ' · LFS'}
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
