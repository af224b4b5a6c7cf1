import { useEffect, useState } from 'react';
import { EXECUTION_PROVIDERS, type BenchParamsInput, type ExecutionProviderSetting } from '../../../../shared/contract';
import { api } from '../../api-client';
import { useBenchStore } from '../../stores/bench-store';
import { useSettingsStore } from '../../stores/settings-store';

/** Registry embedding models as `name` and `name@current`, for the model field's suggestions. */
function useModelSuggestions(): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    api()
      .call('registry.listModels', { type: 'embedding' })
      .then((models) => setNames(models.flatMap((m) => (m.currentVersion ? [`${m.name}@${m.currentVersion}`, m.name] : [m.name]))))
      .catch(() => setNames([]));
  }, []);
  return names;
}

const optionalInt = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/** Starts a benchmark job; the job list under it follows the run, and the results reload when it is done. */
export function BenchRunForm(): React.JSX.Element {
  const suggestions = useModelSuggestions();
  const settings = useSettingsStore((s) => s.view?.values);
  const run = useBenchStore((s) => s.run);
  const [model, setModel] = useState('');
  const [ep, setEp] = useState<ExecutionProviderSetting | ''>('');
  const [threads, setThreads] = useState('');
  const [batches, setBatches] = useState('1,8,32,128');
  const [runs, setRuns] = useState('5');
  const [limit, setLimit] = useState('');
  const [busy, setBusy] = useState(false);
  const batchSizes = batches
    .split(',')
    .map((b) => Number(b.trim()))
    .filter((b) => Number.isInteger(b) && b > 0);
  const start = async (): Promise<void> => {
    setBusy(true);
    const params: BenchParamsInput = {
      model: model.trim(),
      executionProvider: ep || undefined,
      threads: optionalInt(threads),
      batchSizes,
      runs: optionalInt(runs),
      limit: optionalInt(limit),
    };
    await run(params);
    setBusy(false);
  };
  return (
    <div className="bench-form" data-testid="bench-form">
      <label>
        Model
        <input list="bench-models" value={model} onChange={(e) => setModel(e.target.value)} placeholder="name@version, hf:org/name or a folder" data-testid="bench-model" />
        <datalist id="bench-models">
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </label>
      <label>
        Provider
        <select value={ep} onChange={(e) => setEp(e.target.value as ExecutionProviderSetting | '')} data-testid="bench-ep">
          <option value="">setting ({settings?.executionProvider ?? '…'})</option>
          {EXECUTION_PROVIDERS.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label>
        Threads
        <input type="number" min={0} value={threads} onChange={(e) => setThreads(e.target.value)} placeholder={settings?.inferenceThreads ? `setting (${settings.inferenceThreads})` : 'all cores'} data-testid="bench-threads" />
      </label>
      <label>
        Batch sizes
        <input value={batches} onChange={(e) => setBatches(e.target.value)} data-testid="bench-batches" />
      </label>
      <label>
        Runs
        <input type="number" min={1} max={50} value={runs} onChange={(e) => setRuns(e.target.value)} data-testid="bench-runs" />
      </label>
      <label>
        Texts
        <input type="number" min={1} value={limit} onChange={(e) => setLimit(e.target.value)} placeholder="all" data-testid="bench-limit" />
      </label>
      <button onClick={() => void start()} disabled={busy || model.trim() === '' || batchSizes.length === 0} data-testid="bench-run">
        Run benchmark
      </button>
    </div>
  );
}
