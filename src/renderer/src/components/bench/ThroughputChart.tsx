import { ErrorBar, Line, LineChart, ResponsiveContainer } from 'recharts';
import type { BenchResultDTO } from '../../../../shared/contract';
import { resultLabel } from '../../../../shared/bench-figures';
import { CHART_MARGIN, labelledAxes } from './chart-axes';
import { ChartCard } from './ChartCard';
import { seriesKey, throughputData } from '../../../../shared/bench-charts';
import { ChartLegend } from './ChartLegend';
import { legendOf, seriesColor } from './series-colors';

/** Texts per second against batch size, one line per result (version × provider), with each point's spread. */
export function ThroughputChart({ results }: { results: BenchResultDTO[] }): React.JSX.Element {
  const { rows, table } = throughputData(results);
  const legend = legendOf(results);
  return (
    <ChartCard id="chart-throughput" title="Throughput vs batch size (texts/s, median and spread of runs)" table={table} png={{ legend }}>
      <ResponsiveContainer width="100%" height={300}>
        <LineChart data={rows} margin={CHART_MARGIN}>
          {labelledAxes('batch', 'batch size', 'texts/s')}
          {results.map((r, i) => (
            <Line key={r.id} type="linear" dataKey={seriesKey(r)} name={`#${r.id} ${resultLabel(r)}`} stroke={seriesColor(i)} strokeWidth={2} isAnimationActive={false} connectNulls>
              <ErrorBar dataKey={`${seriesKey(r)}_spread`} width={4} stroke={seriesColor(i)} />
            </Line>
          ))}
        </LineChart>
      </ResponsiveContainer>
      <ChartLegend entries={legend} />
    </ChartCard>
  );
}
