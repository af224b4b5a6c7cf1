interface Props {
  value: number;
  state?: string;
  label?: string;
  /** A secondary bar, as for one file under a job's own bar. */
  thin?: boolean;
}

export function ProgressBar({ value, state, label, thin = false }: Props): React.JSX.Element {
  const pct = Math.max(0, Math.min(100, value));
  return (
    <div className={`progress progress-${state ?? 'running'}${thin ? ' progress-thin' : ''}`} role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100} aria-label={label}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}
