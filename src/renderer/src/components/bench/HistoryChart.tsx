import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import type { MetricsRow } from '../../../../shared/contract';
import { ChartCard } from './ChartCard';
import { ChartLegend } from './ChartLegend';
import { historyData, historyMetrics } from '../../../../shared/bench-charts';
import { seriesColor } from './series-colors';

const when = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** The hovered point: when, its series (provider, threads, machine) and the row's source. */
function PointTooltip({ active, payload }: TooltipContentProps): React.JSX.Element | null {
  const entry = active ? payload?.find((p) => typeof p.value === 'number') : undefined;
  if (!entry) return null;
  const row = entry.payload as { t: number; source: string; series: string };
  return (
    <div className="chart-tooltip" data-testid="history-tooltip">
      <div>{when(row.t)}</div>
      <div style={{ color: entry.color }}>
        {row.series}: {entry.value}
      </div>
      {row.source && <div className="muted">{row.source}</div>}
    </div>
  );
}

/**
 * One metric of a version over time, from its registry metrics history: one line per execution provider × threads
 * and machine, so a GPU's or another machine's figure never joins this machine's line; other machines' are dashed.
 */
export function HistoryChart({ model, version, rows, thisMachineId }: { model: string; version: string; rows: MetricsRow[]; thisMachineId: string | null }): React.JSX.Element {
  const metrics = historyMetrics(rows);
  const [picked, setPicked] = useState<string | null>(null);
  const metric = picked && metrics.includes(picked) ? picked : (metrics.find((m) => m.startsWith('throughput_b')) ?? metrics[0] ?? '');
  const { rows: data, series, table } = historyData(rows, metric, thisMachineId);
  const legend = series.map((s, i) => ({ label: s.label, color: seriesColor(i) }));
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
    <ChartCard id="chart-history" title={title} table={table} png={{ legend }} toolbar={select}>
      {data.length === 0 ? (
        <p className="muted">No metrics recorded for this version yet.</p>
      ) : (
        <>
          {series.some((s) => s.otherMachine) && (
            <div className="warn-banner" data-testid="history-other-machine">
              Dashed lines were measured on other machines: their figures are not comparable with this machine’s.
            </div>
          )}
          <ResponsiveContainer width="100%" height={260}>
            <LineChart data={data} margin={{ top: 10, right: 24, bottom: 20, left: 10 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={when} />
              <YAxis />
              <Tooltip content={PointTooltip} />
              {series.map((s, i) => (
                <Line
                  key={s.key}
                  type="linear"
                  dataKey={s.key}
                  name={s.label}
                  stroke={seriesColor(i)}
                  strokeDasharray={s.otherMachine ? '6 4' : undefined}
                  strokeWidth={2}
                  isAnimationActive={false}
                  connectNulls
                  dot
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
          <ChartLegend entries={legend} />
        </>
      )}
    </ChartCard>
  );
}
