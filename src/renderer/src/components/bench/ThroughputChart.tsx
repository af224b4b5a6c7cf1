import { CartesianGrid, ErrorBar, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BenchResultDTO } from '../../../../shared/contract';
import { resultLabel } from '../../../../shared/bench-figures';
import { ChartCard } from './ChartCard';
import { seriesKey, throughputData } from '../../../../shared/bench-charts';
import { ChartLegend } from './ChartLegend';
import { legendOf, seriesColor } from './series-colors';

/** Texts per second against batch size, one line per result (version × provider), with each point's spread. */
export function ThroughputChart({ results }: { results: BenchResultDTO[] }): React.JSX.Element {
  const { rows, table } = throughputData(results);
  const legend = legendOf(results);
  return (
    <ChartCard id="chart-throughput" title="Throughput vs batch size (texts/s, median and spread of runs)" table={table} legend={legend}>
      <ResponsiveContainer width="100%" height={300}>
        <LineChart data={rows} margin={{ top: 10, right: 24, bottom: 20, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="batch" label={{ value: 'batch size', position: 'insideBottom', offset: -10 }} />
          <YAxis label={{ value: 'texts/s', angle: -90, position: 'insideLeft' }} />
          <Tooltip />
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
