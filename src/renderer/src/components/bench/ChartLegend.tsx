/** The series under a chart (HTML; the PNG export draws its own). */
export function ChartLegend({ entries }: { entries: Array<{ label: string; color: string }> }): React.JSX.Element {
  return (
    <ul className="chart-legend">
      {entries.map((e) => (
        <li key={e.label}>
          <span className="swatch" style={{ background: e.color }} />
          {e.label}
        </li>
      ))}
    </ul>
  );
}
