import type { BenchResultDTO } from '../../../../shared/contract';
import { resultLabel } from '../../../../shared/bench-figures';
import { MAX_SELECTED, useBenchStore } from '../../stores/bench-store';

const when = (iso: string): string => iso.replace('T', ' ').slice(0, 16);
const mb = (bytes: number): string => (bytes / 1024 ** 2).toFixed(0);

/** Stored results; ticking one charts it (in the order ticked, the first being the comparison's baseline). */
export function BenchResultsTable({ results }: { results: BenchResultDTO[] }): React.JSX.Element {
  const selected = useBenchStore((s) => s.selected);
  const toggle = useBenchStore((s) => s.toggle);
  const remove = useBenchStore((s) => s.remove);
  const loadHistory = useBenchStore((s) => s.loadHistory);
  const batches = [...new Set(results.flatMap((r) => r.throughput.map((t) => t.batchSize)))].sort((a, b) => a - b);
  return (
    <table className="data-table" data-testid="bench-results">
      <thead>
        <tr>
          <th title={`Chart up to ${MAX_SELECTED}`}>Chart</th>
          <th>#</th>
          <th>When</th>
          <th>Model · provider×threads</th>
          <th>Machine</th>
          <th>Load ms</th>
          <th>p50 ms</th>
          <th title="Peak RSS of the whole process while the benchmark ran">Peak RSS MB</th>
          <th title="Peak RSS minus the RSS before the model was loaded">RSS growth MB</th>
          {batches.map((b) => (
            <th key={b}>b{b} texts/s</th>
          ))}
          <th />
        </tr>
      </thead>
      <tbody>
        {results.map((r) => {
          const byBatch = new Map(r.throughput.map((t) => [t.batchSize, t.textsPerSec.median]));
          const order = selected.indexOf(r.id);
          return (
            <tr key={r.id} className={order >= 0 ? 'selected' : undefined} data-testid={`bench-result-${r.id}`}>
              <td>
                <input type="checkbox" checked={order >= 0} onChange={() => void toggle(r.id)} aria-label={`Chart result ${r.id}`} />
                {order === 0 && selected.length > 1 && <span className="badge">baseline</span>}
              </td>
              <td>{r.id}</td>
              <td>{when(r.createdAt)}</td>
              <td>
                {resultLabel(r)}
                {r.run.fallbackReason && (
                  <span className="badge badge-paused" title={r.run.fallbackReason}>
                    fell back from {r.run.requestedProvider}
                  </span>
                )}
              </td>
              <td className="mono" title={`${r.machine.cpuModel}, ${r.machine.physicalCores} cores, ${r.machine.hostname}`}>
                {r.machine.id}
              </td>
              <td>{r.load.firstCallMs.toFixed(0)}</td>
              <td>{r.latency.p50.median.toFixed(2)}</td>
              <td>{mb(r.memory.peakRssBytes)}</td>
              <td>{mb(r.memory.peakRssGrowthBytes)}</td>
              {batches.map((b) => (
                <td key={b}>{byBatch.has(b) ? byBatch.get(b)!.toFixed(1) : ''}</td>
              ))}
              <td className="row">
                {r.model.registryModel && r.model.version && (
                  <button className="link" onClick={() => void loadHistory(r.model.registryModel!, r.model.version!)}>
                    History
                  </button>
                )}
                <button
                  className="link"
                  onClick={() => window.confirm(`Delete benchmark result #${r.id}? The metrics it added to the registry stay.`) && void remove(r.id)}
                  aria-label={`Delete result ${r.id}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
