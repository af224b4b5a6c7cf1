import { useRef, useState } from 'react';
import type { ChartTable } from '../../../../shared/bench-charts';
import { toCsv } from '../../../../shared/bench-figures';
import { downloadChartPng, downloadText, type LegendEntry } from './chart-export';
import { downloadTablePng } from './table-png';

interface Props {
  id: string;
  title: string;
  /** The chart's figures as a table: what the CSV button saves. */
  table: ChartTable;
  /** The PNG: a chart's, with these series under it, or a table's, drawn as the page shows it. */
  png: { legend: LegendEntry[] } | 'table';
  children: React.ReactNode;
  toolbar?: React.ReactNode;
}

/** A titled chart or table with its PNG and CSV downloads. */
export function ChartCard({ id, title, table, png, children, toolbar }: Props): React.JSX.Element {
  const body = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const savePng = (): void => {
    setError(null);
    if (!body.current) return;
    const saved = png === 'table' ? downloadTablePng(body.current, `${id}.png`, title) : downloadChartPng(body.current, `${id}.png`, title, png.legend);
    saved.catch((err: unknown) => setError((err as Error).message));
  };
  return (
    <section className="chart-card" data-testid={id}>
      <div className="chart-head">
        <h2>{title}</h2>
        <span className="chart-tools">
          {toolbar}
          <button onClick={savePng} data-testid={`${id}-png`}>
            PNG
          </button>
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
