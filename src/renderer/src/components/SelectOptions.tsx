/** `<option>`s of a fixed list whose labels are the values themselves (providers, variants). */
export function SelectOptions({ values }: { values: readonly string[] }): React.JSX.Element {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </>
  );
}
