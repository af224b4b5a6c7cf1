import { useEffect, useRef, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { INVENTORY_TOOL_TITLES, type InventoryReportDTO, type InventoryTool } from '../../../shared/contract';
import { JobList } from '../components/JobList';
import { formatBytes } from '../components/format';
import { useInventoryStore } from '../stores/inventory-store';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';

const MB = (n: number): number => Math.round(n / 1e4) / 100;

/** Axis labels: short enough that recharts shows every one. */
const SHORT: Record<InventoryTool, string> = {
  huggingface: 'HF cache',
  'sentence-transformers': 'Legacy ST',
  ollama: 'Ollama',
  vosk: 'Vosk',
  lmstudio: 'LM Studio',
  jan: 'Jan',
};

function UsageCharts({ report }: { report: InventoryReportDTO }): React.JSX.Element {
  const byTool = report.tools.filter((t) => t.models > 0).map((t) => ({ tool: SHORT[t.tool], megabytes: MB(t.sizeBytes) }));
  const byModel = report.models.slice(0, 12).map((m) => {
    const label = `${SHORT[m.tool]} · ${m.name}`;
    return { model: label.length > 40 ? `${label.slice(0, 39)}…` : label, megabytes: MB(m.sizeBytes) };
  });
  return (
    <div className="row" style={{ alignItems: 'flex-start', flexWrap: 'wrap', gap: 24 }}>
      <div style={{ flex: '1 1 320px' }}>
        <h3>Disk by tool</h3>
        <div style={{ height: 240 }} data-testid="inventory-chart-tools">
          <ResponsiveContainer>
            <BarChart data={byTool} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="tool" interval={0} />
              <YAxis unit=" MB" />
              <Tooltip />
              <Bar dataKey="megabytes" name="Disk used (MB)" fill="#4f7cff" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </div>
      <div style={{ flex: '2 1 480px' }}>
        <h3>Disk by model</h3>
        <div style={{ height: Math.max(240, byModel.length * 28 + 50) }} data-testid="inventory-chart-models">
          <ResponsiveContainer>
            <BarChart data={byModel} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis type="number" unit=" MB" />
              <YAxis type="category" dataKey="model" width={260} interval={0} />
              <Tooltip />
              <Bar dataKey="megabytes" name="Disk used (MB)" fill="#2ea37a" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </div>
    </div>
  );
}

function Models({ report }: { report: InventoryReportDTO }): React.JSX.Element {
  return (
    <table className="data-table" data-testid="inventory-models">
      <thead>
        <tr>
          <th>Tool</th>
          <th>Model</th>
          <th>Size</th>
          <th>Files</th>
          <th>Last used</th>
          <th>Safe to delete</th>
        </tr>
      </thead>
      <tbody>
        {report.models.map((m) => (
          <tr key={m.id} data-model-id={m.id}>
            <td>{INVENTORY_TOOL_TITLES[m.tool]}</td>
            <td>
              {m.name}
              <div className="mono muted">{m.location}</div>
              {m.notes.length > 0 && <div className="muted">{m.notes.join(' · ')}</div>}
            </td>
            <td>{formatBytes(m.sizeBytes)}</td>
            <td>{m.files}</td>
            <td>{(m.lastUsed ?? m.lastModified ?? '').slice(0, 10)}</td>
            <td data-testid="safe-to-delete">
              {m.safeToDelete ? <span className="badge badge-done">safe to delete</span> : <span className="badge badge-failed">in use</span>}
              {m.usedBy.length > 0 && <div className="muted">{m.usedBy.join('; ')}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Duplicates({ report }: { report: InventoryReportDTO }): React.JSX.Element {
  const { dedupe, previewDedupe, confirmDedupe } = useInventoryStore();
  const t = report.totals;
  return (
    <div data-testid="inventory-duplicates">
      <h2>
        Duplicates <span className="muted">— {report.duplicates.length} group(s)</span>
      </h2>
      {report.duplicates.length === 0 ? (
        <p className="muted">No file is stored twice.</p>
      ) : (
        <>
          <p data-testid="duplicates-summary">
            {formatBytes(t.wastedBytes)} in extra copies; hardlinks on the same filesystem would save {formatBytes(t.linkableBytes)}; dedupe saves{' '}
            <strong>{formatBytes(t.dedupeBytes)}</strong> (only copies in the HF cache and Ollama's blobs, which no tool rewrites in place, are linked).
          </p>
          <ul>
            {report.duplicates.map((g) => (
              <li key={`${g.sha256}:${g.sizeBytes}`} data-testid="duplicate-group">
                <span className="mono">{g.sha256.slice(0, 12)}…</span> {formatBytes(g.sizeBytes)} × {g.copies.length} — dedupe saves {formatBytes(g.dedupeBytes)}
                <ul>
                  {g.copies.map((c) => (
                    <li key={c.path} className="mono">
                      {INVENTORY_TOOL_TITLES[c.tool]}: {c.path}
                    </li>
                  ))}
                  {g.skipped.map((s) => (
                    <li key={`skip:${s.path}`} className="muted">
                      left alone: <span className="mono">{s.path}</span> — {s.reason}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
          <button onClick={() => void previewDedupe()} data-testid="dedupe-preview">
            Dedupe (dry run)
          </button>
        </>
      )}
      {dedupe && (
        <div data-testid="dedupe-result">
          {dedupe.dryRun ? (
            <>
              <p>
                Would link {dedupe.links.reduce((n, l) => n + l.link.length, 0)} file(s), saving {formatBytes(dedupe.bytesSaved)}:
              </p>
              <ul>
                {dedupe.links.flatMap((l) =>
                  l.link.map((p) => (
                    <li key={p} className="mono">
                      {p} → {l.keep}
                    </li>
                  )),
                )}
              </ul>
              {dedupe.links.length > 0 && (
                <button onClick={() => void confirmDedupe()} data-testid="dedupe-confirm">
                  Link them and save {formatBytes(dedupe.bytesSaved)}
                </button>
              )}
            </>
          ) : (
            <p>{dedupe.job ? `Linking in job ${dedupe.job.id}; the inventory is scanned again when it ends.` : 'Nothing to link.'}</p>
          )}
        </div>
      )}
    </div>
  );
}

function Retention(): React.JSX.Element {
  const { retention, previewRetention, confirmRetention } = useInventoryStore();
  const [gb, setGb] = useState('10');
  const bytes = Math.round(Number(gb) * 1e9);
  const valid = gb.trim() !== '' && Number.isFinite(bytes) && bytes >= 0;
  return (
    <div data-testid="inventory-retention">
      <h2>Retention budget</h2>
      <div className="row">
        <label>
          Keep models under{' '}
          <input value={gb} onChange={(e) => setGb(e.target.value)} size={6} aria-label="Budget in GB" data-testid="retention-gb" /> GB
        </label>
        <button disabled={!valid} onClick={() => void previewRetention(bytes)} data-testid="retention-preview">
          Preview
        </button>
      </div>
      {retention && (
        <div data-testid="retention-result">
          <p>
            {formatBytes(retention.totalBytes)} on disk, budget {formatBytes(retention.budgetBytes)}.{' '}
            {retention.dryRun ? `Would remove ${retention.remove.length} model(s), least recently used first:` : `Removed ${retention.remove.length} model(s), freed ${formatBytes(retention.bytesFreed)}.`}
          </p>
          <ul>
            {retention.remove.map((r) => (
              <li key={r.id}>
                {INVENTORY_TOOL_TITLES[r.tool]} {r.name} — {formatBytes(r.freeableBytes)} ({r.reason})
              </li>
            ))}
          </ul>
          {!retention.reachable && <p className="muted">Removing only models that are safe to delete cannot reach this budget.</p>}
          {retention.warnings.map((w) => (
            <div key={w} className="error-text">
              {w}
            </div>
          ))}
          {retention.dryRun && retention.remove.length > 0 && (
            <button onClick={() => void confirmRetention(retention.budgetBytes)} data-testid="retention-confirm">
              Remove {retention.remove.length} model(s)
            </button>
          )}
        </div>
      )}
    </div>
  );
}

export function InventoryPage(): React.JSX.Element {
  const { report, loaded, error, load, scan } = useInventoryStore();
  const byId = useJobsStore((s) => s.byId);
  const jobs = sortedJobs(byId).filter((j) => j.kind.startsWith('inventory.'));
  const lastScan = jobs.find((j) => j.kind === 'inventory.scan' && j.state === 'done')?.id;
  const lastDedupe = jobs.find((j) => j.kind === 'inventory.dedupe' && j.state === 'done')?.id;
  const scanning = jobs.some((j) => j.kind === 'inventory.scan' && (j.state === 'running' || j.state === 'queued'));
  useEffect(() => {
    void load();
  }, [load, lastScan]);
  // A dedupe that ends while the page is open changed inodes: scan again (cached hashes make it quick).
  const seenDedupe = useRef(lastDedupe);
  useEffect(() => {
    if (lastDedupe !== undefined && lastDedupe !== seenDedupe.current) {
      seenDedupe.current = lastDedupe;
      void scan();
    }
  }, [lastDedupe, scan]);
  return (
    <section className="page" aria-labelledby="inventory-title">
      <div className="section-head">
        <h1 id="inventory-title">Inventory</h1>
        <button onClick={() => void scan()} disabled={scanning} data-testid="inventory-scan">
          {scanning ? 'Scanning…' : report ? 'Scan again' : 'Scan'}
        </button>
      </div>
      <p className="muted">
        Every model on this disk: the Hugging Face cache, legacy sentence-transformers, Ollama, Vosk, LM Studio and Jan. Files are hashed once (sha256, cached by path, size
        and mtime) to find the same weights stored twice.
      </p>
      {error && <div className="error-banner">{error}</div>}
      {jobs.length > 0 && <JobList jobs={jobs.slice(0, 3)} empty="" />}
      {loaded && !report && <p data-testid="inventory-empty">No inventory yet: scan to make one.</p>}
      {report && (
        <>
          <p data-testid="inventory-summary">
            {formatBytes(report.totals.sizeBytes)} in {report.models.length} model(s), {report.totals.files} file(s), scanned {report.scannedAt.replace('T', ' ').slice(0, 19)}. Hashes:{' '}
            {report.stats.filesHashed} read, {report.stats.fromCache} from the cache, {report.stats.fromName} from content-addressed names.
          </p>
          <UsageCharts report={report} />
          <Models report={report} />
          <Duplicates report={report} />
          <Retention />
          {report.warnings.map((w) => (
            <div key={w} className="muted">
              warning: {w}
            </div>
          ))}
          <details>
            <summary>Folders scanned</summary>
            <ul>
              {report.roots.map((r) => (
                <li key={`${r.tool}:${r.path}`} className="mono">
                  {INVENTORY_TOOL_TITLES[r.tool]}: {r.path} {r.exists ? '' : '(not there)'}
                </li>
              ))}
            </ul>
          </details>
        </>
      )}
    </section>
  );
}
