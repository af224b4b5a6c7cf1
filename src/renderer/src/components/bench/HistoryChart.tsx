import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricsRow } from '../../../../shared/contract';
import { ChartCard } from './ChartCard';
import { historyData, historyMetrics } from '../../../../shared/bench-charts';
import { seriesColor } from './series-colors';

const when = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** One metric of a version over time, from its registry metrics history (benchmarks and hand-entered rows). */
export function HistoryChart({ model, version, rows }: { model: string; version: string; rows: MetricsRow[] }): React.JSX.Element {
  const metrics = historyMetrics(rows);
  const [picked, setPicked] = useState<string | null>(null);
  const metric = picked && metrics.includes(picked) ? picked : (metrics.find((m) => m.startsWith('throughput_b')) ?? metrics[0] ?? '');
  const { points, table } = historyData(rows, metric);
  const title = `${model}@${version}: ${metric || 'metrics'} over time`;
  const select = (
    <select value={metric} onChange={(e) => setPicked(e.target.value)} aria-label="Metric" data-testid="history-metric">
      {metrics.map((m) => (
        <option key={m} value={m}>
          {m}
        </option>
      ))}
    </select>
  );
  return (
    <ChartCard id="chart-history" title={title} table={table} legend={[{ label: `${model}@${version} · ${metric}`, color: seriesColor(0) }]} toolbar={select}>
      {points.length === 0 ? (
        <p className="muted">No metrics recorded for this version yet.</p>
      ) : (
        <ResponsiveContainer width="100%" height={260}>
          <LineChart data={points} margin={{ top: 10, right: 24, bottom: 20, left: 10 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={when} />
            <YAxis />
            <Tooltip labelFormatter={(t) => when(Number(t))} />
            <Line type="linear" dataKey="value" name={metric} stroke={seriesColor(0)} strokeWidth={2} isAnimationActive={false} dot />
          </LineChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}
