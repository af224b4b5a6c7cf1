import { useRef, useState } from 'react';
import type { ChartTable } from '../../../../shared/bench-charts';
import { toCsv } from '../../../../shared/bench-figures';
import { downloadChartPng, downloadText, type LegendEntry } from './chart-export';

interface Props {
  id: string;
  title: string;
  /** The chart's figures as a table: what the CSV button saves. */
  table: ChartTable;
  /** Series shown in the PNG under the chart; omit for a card without a chart (a table), which has no PNG. */
  legend?: LegendEntry[];
  children: React.ReactNode;
  toolbar?: React.ReactNode;
}

/** A titled chart with its PNG and CSV downloads. */
export function ChartCard({ id, title, table, legend, children, toolbar }: Props): React.JSX.Element {
  const body = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const png = (): void => {
    setError(null);
    if (body.current) downloadChartPng(body.current, `${id}.png`, title, legend ?? []).catch((err: unknown) => setError((err as Error).message));
  };
  return (
    <section className="chart-card" data-testid={id}>
      <div className="chart-head">
        <h2>{title}</h2>
        <span className="chart-tools">
          {toolbar}
          {legend && (
            <button onClick={png} data-testid={`${id}-png`}>
              PNG
            </button>
          )}
          <button onClick={() => downloadText(`${id}.csv`, toCsv(table.headers, table.rows), 'text/csv;charset=utf-8')} data-testid={`${id}-csv`}>
            CSV
          </button>
        </span>
      </div>
      {error && <div className="error-text">{error}</div>}
      <div ref={body}>{children}</div>
    </section>
  );
}
