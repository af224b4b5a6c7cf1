import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DetectGroupDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { JobList } from '../components/JobList';
import { ModelUpkeep } from '../components/ModelUpkeep';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';
import { useDetectStore } from '../stores/detect-store';
import { formatBytes } from '../../../shared/format-bytes';

/** Pull an Ollama model as a job; the job list below follows it live and a finished pull rescans. */
function OllamaPull({ serverUp }: { serverUp: boolean }): React.JSX.Element {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const byId = useJobsStore((s) => s.byId);
  const refresh = useDetectStore((s) => s.refresh);
  const pulls = sortedJobs(byId).filter((j) => j.kind === 'ollama.pull');
  const lastDone = pulls.find((j) => j.state === 'done')?.id;
  useEffect(() => {
    if (lastDone !== undefined) void refresh();
  }, [lastDone, refresh]);
  const pull = (): void => {
    setError(null);
    api()
      .call('ollama.pull', { name })
      .catch((err: unknown) => setError(describeError(toErrorDTO(err))));
  };
  return (
    <div>
      <div className="row">
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="llama3:8b" aria-label="Ollama model name" data-testid="ollama-pull-name" />
        <button onClick={pull} disabled={!serverUp || name.trim() === ''} data-testid="ollama-pull">
          Pull with Ollama
        </button>
      </div>
      {error && <div className="error-banner">{error}</div>}
      {pulls.length > 0 && <JobList jobs={pulls.slice(0, 5)} empty="" />}
    </div>
  );
}

const TITLES: Record<DetectGroupDTO['source'], string> = {
  ollama: 'Ollama',
  vosk: 'Vosk',
  huggingface: 'Hugging Face cache',
  'sentence-transformers': 'Legacy sentence-transformers',
};


function Group({ group }: { group: DetectGroupDTO }): React.JSX.Element {
  return (
    <div data-testid={`detect-group-${group.source}`}>
      <h2>
        {TITLES[group.source]} <span className="muted">— {group.models.length} model(s), {formatBytes(group.totalBytes)}</span>
      </h2>
      {group.models.length === 0 ? (
        <p className="muted">Nothing found in {group.roots.map((r) => r.path).join(', ')}.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Size</th>
              <th>Revision</th>
              <th>Status</th>
              <th>Last used</th>
              <th>Location</th>
            </tr>
          </thead>
          <tbody>
            {group.models.map((m) => (
              <tr key={`${m.location}|${m.name}`}>
                <td>
                  {m.name}
                  {m.running && <span className="badge badge-running">running</span>}
                </td>
                <td>{formatBytes(m.sizeBytes)}</td>
                <td className="mono">{m.revision?.slice(0, 12) ?? ''}</td>
                <td>
                  {m.complete ? <span className="badge badge-done">complete</span> : <span className="badge badge-failed">incomplete</span>}
                  {m.missing.length > 0 && <div className="muted">{m.missing.join('; ')}</div>}
                  {m.notes.length > 0 && <div className="muted">{m.notes.join(' · ')}</div>}
                </td>
                <td>{m.lastUsed?.slice(0, 10) ?? ''}</td>
                <td className="mono">{m.location}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {group.warnings.map((w) => (
        <div key={w} className="muted">
          warning: {w}
        </div>
      ))}
    </div>
  );
}

export function DetectedPage(): React.JSX.Element {
  const { result, loading, error, refresh } = useDetectStore();
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const chart = (result?.groups ?? []).map((g) => ({ source: TITLES[g.source], megabytes: Math.round(g.totalBytes / 1e4) / 100 }));
  return (
    <section className="page" aria-labelledby="detected-title">
      <div className="section-head">
        <h1 id="detected-title">Detected</h1>
        <button onClick={() => void refresh()} disabled={loading} data-testid="detect-refresh">
          {loading ? 'Scanning…' : 'Scan again'}
        </button>
      </div>
      {error && <div className="error-banner">{error}</div>}
      {result && (
        <>
          <p data-testid="ollama-server">
            {result.ollama.running ? `Ollama ${result.ollama.version ?? ''} running at ${result.ollama.host}` : (result.ollama.error ?? `Ollama not running at ${result.ollama.host}`)}
          </p>
          <OllamaPull serverUp={result.ollama.running} />
          <ModelUpkeep onChanged={() => void refresh()} />
          <div style={{ width: '100%', height: 220 }} data-testid="detect-chart">
            <ResponsiveContainer>
              <BarChart data={chart} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="source" />
                <YAxis unit=" MB" />
                <Tooltip />
                <Bar dataKey="megabytes" name="Disk used (MB)" fill="#4f7cff" />
              </BarChart>
            </ResponsiveContainer>
          </div>
          {result.groups.map((g) => (
            <Group key={g.source} group={g} />
          ))}
        </>
      )}
    </section>
  );
}
