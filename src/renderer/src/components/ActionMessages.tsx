/** The outcome of a panel's last action: its error as an alert, or its note as a status line. */
export function ActionMessages({ error, notice }: { error: string | null; notice: string | null }): React.JSX.Element {
  return (
    <>
      {error && (
        <div className="error-banner" role="alert">
          {error}
        </div>
      )}
      {notice && (
        <p className="muted" role="status">
          {notice}
        </p>
      )}
    </>
  );
}
