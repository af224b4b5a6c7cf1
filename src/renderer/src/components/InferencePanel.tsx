import type { InferenceStatusDTO } from '../../../shared/contract';
import { describeFallback, fallbackExpected } from '../../../shared/provider-fallback';
import { useInferenceStore } from '../stores/inference-store';
import { ErrorPanel } from './ErrorPanel';
import { formatBytes, formatSeconds } from './format';

const time = (iso: string): string => iso.replace('T', ' ').slice(0, 19);

/** The embedding service as `system.status` reports it: provider, sessions, lanes and the cache, with its actions. */
export function InferencePanel({ inference }: { inference: InferenceStatusDTO }): React.JSX.Element {
  const { notice, actionError, unloadAll, clearCache } = useInferenceStore();
  const { cache, queues, sessions } = inference;
  const lookups = cache.hits + cache.misses;
  return (
    <div data-testid="inference-panel">
      <div className="section-head">
        <h2>Inference</h2>
        <div className="row">
          <button type="button" disabled={sessions.length === 0} onClick={() => void unloadAll()}>
            Unload all
          </button>
          <button type="button" disabled={cache.entries === 0} onClick={() => void clearCache()}>
            Clear cache
          </button>
        </div>
      </div>
      {notice && (
        <p className="muted" role="status">
          {notice}
        </p>
      )}
      {actionError && <ErrorPanel error={actionError} />}
      <dl className="facts">
        <dt>Provider</dt>
        <dd data-testid="inference-provider">
          {inference.executionProvider} (setting)
          {inference.expectedProvider !== inference.executionProvider && ` → ${inference.expectedProvider} expected`} · onnxruntime {inference.onnxruntimeVersion} · available here:{' '}
          {inference.available.map((p) => `${p.name}${p.bundled ? '' : ' (not installed)'}`).join(', ') || 'cpu'}
        </dd>
        <dt>Threads</dt>
        <dd>{inference.threads} per session · idle sessions unload after {formatSeconds(inference.idleUnloadSeconds)}</dd>
        <dt>Queues</dt>
        <dd data-testid="inference-queues">
          rt {queues.rt} · bulk {queues.bulk}
        </dd>
        <dt>Cache</dt>
        <dd data-testid="inference-cache">
          {cache.entries} vectors · {formatBytes(cache.bytes)} of {cache.capBytes === 0 ? 'no cache (off)' : formatBytes(cache.capBytes)} · {cache.hits} hits, {cache.misses} misses
          {lookups > 0 && ` (${Math.round((cache.hits / lookups) * 100)} % hit rate)`} since {time(cache.since)} UTC, all processes
        </dd>
        <dt>Last fallback</dt>
        <dd data-testid="inference-fallback" className={inference.lastFallback && !fallbackExpected(inference.lastFallback) ? 'warn-text' : 'muted'}>
          {inference.lastFallback ? describeFallback(inference.lastFallback) : 'none'}
        </dd>
      </dl>
      <h3>Loaded sessions</h3>
      {sessions.length === 0 ? (
        <p className="muted" data-testid="inference-no-sessions">
          No model loaded. A model loads on its first embedding and unloads when idle.
        </p>
      ) : (
        <table className="data-table" data-testid="inference-sessions">
          <thead>
            <tr>
              <th>Model</th>
              <th>Lane</th>
              <th>Provider</th>
              <th>Load</th>
              <th>Loaded / last used</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={`${s.modelKey}:${s.lane}`}>
                <td className="mono">{s.modelKey}</td>
                <td>
                  <span className="badge">{s.lane}</span>
                </td>
                <td>
                  {s.executionProvider}
                  {s.fallbackReason && <div className="warn-text">fell back: {s.fallbackReason}</div>}
                </td>
                <td>{Math.round(s.loadMs)} ms</td>
                <td className="mono">
                  {time(s.loadedAt)} / {time(s.lastUsedAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
