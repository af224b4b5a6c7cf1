import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BenchResultDTO } from '../../../../shared/contract';
import { resultLabel } from '../../../../shared/bench-figures';
import { ChartCard } from './ChartCard';
import { latencyData, seriesKey } from '../../../../shared/bench-charts';
import { legendOf, seriesColor } from './series-colors';
import { ChartLegend } from './ChartLegend';

/** How batch-1 latencies spread: the share of calls per latency bin, one bar series per result. */
export function LatencyChart({ results }: { results: BenchResultDTO[] }): React.JSX.Element {
  const { rows, table } = latencyData(results);
  const legend = legendOf(results);
  return (
    <ChartCard id="chart-latency" title="Latency distribution, batch 1 (% of calls per ms bin)" table={table} legend={legend}>
      <ResponsiveContainer width="100%" height={300}>
        <BarChart data={rows} margin={{ top: 10, right: 24, bottom: 20, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="bin" label={{ value: 'ms', position: 'insideBottom', offset: -10 }} />
          <YAxis label={{ value: '% of calls', angle: -90, position: 'insideLeft' }} />
          <Tooltip />
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
