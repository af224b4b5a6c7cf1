import { Bar, BarChart, ResponsiveContainer } from 'recharts';
import type { BenchResultDTO } from '../../../../shared/contract';
import { resultLabel } from '../../../../shared/bench-figures';
import { CHART_MARGIN, labelledAxes } from './chart-axes';
import { ChartCard } from './ChartCard';
import { latencyData, seriesKey } from '../../../../shared/bench-charts';
import { legendOf, seriesColor } from './series-colors';
import { ChartLegend } from './ChartLegend';

/** How batch-1 latencies spread: the share of calls per latency bin, one bar series per result. */
export function LatencyChart({ results }: { results: BenchResultDTO[] }): React.JSX.Element {
  const { rows, table } = latencyData(results);
  const legend = legendOf(results);
  return (
    <ChartCard id="chart-latency" title="Latency distribution, batch 1 (% of calls per ms bin)" table={table} png={{ legend }}>
      <ResponsiveContainer width="100%" height={300}>
        <BarChart data={rows} margin={CHART_MARGIN}>
          {labelledAxes('bin', 'ms', '% of calls')}
          {results.map((r, i) => (
            <Bar key={r.id} dataKey={seriesKey(r)} name={`#${r.id} ${resultLabel(r)}`} fill={seriesColor(i)} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
      <ChartLegend entries={legend} />
      <p className="muted">
        {results.map((r) => `#${r.id}: p50 ${r.latency.p50.median.toFixed(2)} ms, p95 ${r.latency.p95.median.toFixed(2)} ms, p99 ${r.latency.p99.median.toFixed(2)} ms`).join(' · ')}
      </p>
    </ChartCard>
  );
}
