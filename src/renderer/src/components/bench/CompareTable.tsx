import type { BenchComparisonDTO } from '../../../../shared/contract';
import { ChartCard } from './ChartCard';

function formatValue(v: number | null, unit: string): string {
  if (v === null) return '—';
  if (unit === 'ms') return v.toFixed(2);
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** Seed 002's comparison table, measured: each result's figures, with the change in % against the first. */
export function CompareTable({ comparison }: { comparison: BenchComparisonDTO }): React.JSX.Element {
  const { columns, rows } = comparison;
  const table = {
    headers: ['metric', 'unit', ...columns.flatMap((c) => [`#${c.id} ${c.label}`, `#${c.id} delta %`])],
    rows: rows.map((r) => [r.key, r.unit, ...r.values.flatMap((v, i) => [v, i === 0 ? null : (r.deltas[i] ?? null)])]),
  };
  return (
    <ChartCard id="bench-compare" title="Comparison (deltas against the first column)" table={table} png="table">
      {(comparison.crossMachine || comparison.crossProvider || comparison.crossCorpus) && (
        <div className="warn-banner" data-testid="compare-warning">
          {comparison.notes.map((n) => (
            <div key={n}>{n}</div>
          ))}
        </div>
      )}
      <table className="data-table compare-table">
        <thead>
          <tr>
            <th />
            {columns.map((c) => (
              <th key={c.id}>
                #{c.id} {c.label}
                <div className="muted mono">machine {c.machineId}</div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>
                {r.label}
                {r.unit && <span className="muted">, {r.unit}</span>}
              </td>
              {r.values.map((v, i) => {
                const d = r.deltas[i] ?? null;
                const good = d !== null && r.better !== null && d !== 0 ? (r.better === 'higher') === d > 0 : null;
                return (
                  <td key={columns[i]!.id}>
                    {formatValue(v, r.unit)}
                    {i > 0 && d !== null && (
                      <span className={good === null ? 'delta muted' : good ? 'delta delta-good' : 'delta delta-bad'}>
                        {' '}
                        ({d >= 0 ? '+' : ''}
                        {d.toFixed(1)} %)
                      </span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </ChartCard>
  );
}
