import { useId, useMemo } from 'react';

/** Cosine similarity of every pair of vectors (the vectors need not be normalised). */
export function cosineMatrix(vectors: number[][]): number[][] {
  const norms = vectors.map((v) => Math.hypot(...v));
  return vectors.map((a, i) =>
    vectors.map((b, j) => {
      if (norms[i] === 0 || norms[j] === 0) return 0;
      let dot = 0;
      for (let d = 0; d < a.length; d++) dot += a[d]! * (b[d] ?? 0);
      return dot / (norms[i]! * norms[j]!);
    }),
  );
}

/** Positive similarity in the accent colour, negative in red, 0 as the background; strong cells get light text. */
function cellStyle(s: number): React.CSSProperties {
  const pct = Math.round(Math.min(1, Math.abs(s)) * 100);
  const hue = s >= 0 ? 'var(--accent)' : 'var(--bad)';
  return { background: `color-mix(in srgb, ${hue} ${pct}%, var(--panel))`, color: pct > 55 ? '#fff' : 'var(--text)' };
}

const short = (t: string): string => (t.length > 24 ? `${t.slice(0, 23)}…` : t);

interface Props {
  texts: string[];
  vectors: number[][];
}

/** The texts' cosine similarity as a table: labelled rows and columns, each cell coloured and with its number. */
export function SimilarityHeatmap({ texts, vectors }: Props): React.JSX.Element {
  const matrix = useMemo(() => cosineMatrix(vectors), [vectors]);
  const captionId = useId();
  return (
    <div className="heatmap-wrap">
      <p className="muted" id={captionId}>
        Cosine similarity between the texts (1 = same direction, 0 = unrelated, −1 = opposite).
      </p>
      <table className="heatmap" data-testid="similarity-matrix" aria-describedby={captionId}>
        <caption className="visually-hidden">Cosine similarity matrix of {texts.length} texts</caption>
        <thead>
          <tr>
            <td />
            {texts.map((t, j) => (
              <th key={j} scope="col" title={t}>
                #{j + 1}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => (
            <tr key={i}>
              <th scope="row" title={texts[i]}>
                #{i + 1} <span className="muted">{short(texts[i] ?? '')}</span>
              </th>
              {row.map((s, j) => (
                <td key={j} className="heat-cell" style={cellStyle(s)} title={`#${i + 1} × #${j + 1}: ${s.toFixed(4)}`}>
                  {s.toFixed(2)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="heat-legend muted" aria-hidden="true">
        <span>−1</span>
        <span className="heat-legend-bar" />
        <span>1</span>
      </div>
    </div>
  );
}
