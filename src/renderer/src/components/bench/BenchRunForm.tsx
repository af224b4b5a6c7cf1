import { useEffect, useState } from 'react';
import { INLINE_CORPUS_KIB, typedCorpus } from '../../../../shared/bench-corpus-text';
import {
  DEFAULT_BENCH_BATCH_SIZES,
  DEFAULT_BENCH_RUNS,
  DEFAULT_BENCH_WARMUP_RUNS,
  EXECUTION_PROVIDERS,
  VARIANTS,
  type BenchParamsInput,
  type ExecutionProviderSetting,
  type Variant,
} from '../../../../shared/contract';
import { api } from '../../api-client';
import { useBenchStore } from '../../stores/bench-store';
import { useSettingsStore } from '../../stores/settings-store';
import { SelectOptions } from '../SelectOptions';

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
  const [batches, setBatches] = useState(DEFAULT_BENCH_BATCH_SIZES.join(','));
  const [runs, setRuns] = useState(String(DEFAULT_BENCH_RUNS));
  const [warmup, setWarmup] = useState(String(DEFAULT_BENCH_WARMUP_RUNS));
  const [variant, setVariant] = useState<Variant | ''>('');
  const [limit, setLimit] = useState('');
  const [corpusText, setCorpusText] = useState('');
  const [corpusName, setCorpusName] = useState('');
  const corpus = typedCorpus(corpusText, corpusName);
  const [busy, setBusy] = useState(false);
  const batchSizes = batches
    .split(',')
    .map((b) => Number(b.trim()))
    .filter((b) => Number.isInteger(b) && b > 0);
  const start = async (): Promise<void> => {
    setBusy(true);
    const params: BenchParamsInput = {
      model: model.trim(),
      variant: variant || undefined,
      executionProvider: ep || undefined,
      threads: optionalInt(threads),
      batchSizes,
      runs: optionalInt(runs),
      warmupRuns: optionalInt(warmup),
      corpus: corpus.corpus,
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
          <SelectOptions values={EXECUTION_PROVIDERS} />
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
        Warm-up
        <input type="number" min={0} max={10} value={warmup} onChange={(e) => setWarmup(e.target.value)} title="Passes before measuring, not counted" data-testid="bench-warmup" />
      </label>
      <label>
        Variant
        <select value={variant} onChange={(e) => setVariant(e.target.value as Variant | '')} data-testid="bench-variant">
          <option value="">any (fp32 first)</option>
          <SelectOptions values={VARIANTS} />
        </select>
      </label>
      <label>
        Texts
        <input type="number" min={1} value={limit} onChange={(e) => setLimit(e.target.value)} placeholder="all" data-testid="bench-limit" />
      </label>
      <button onClick={() => void start()} disabled={busy || model.trim() === '' || batchSizes.length === 0 || corpus.error !== null} data-testid="bench-run">
        Run benchmark
      </button>
      <div className="bench-corpus">
        <label>
          Your corpus: one text per line (empty: the built-in Russian/English corpus)
          <textarea rows={4} value={corpusText} onChange={(e) => setCorpusText(e.target.value)} placeholder="One text per line" data-testid="bench-corpus" />
        </label>
        <label>
          Corpus name
          <input value={corpusName} onChange={(e) => setCorpusName(e.target.value)} placeholder="typed corpus" disabled={corpus.texts === 0} data-testid="bench-corpus-name" />
        </label>
        <span className={corpus.error ? 'error-text' : 'muted'} data-testid="bench-corpus-count">
          {corpus.texts === 0
            ? 'built-in corpus'
            : `${corpus.texts} text${corpus.texts === 1 ? '' : 's'}, ${(corpus.chars / 1024).toFixed(1)} of ${INLINE_CORPUS_KIB} KiB${corpus.error ? ` — ${corpus.error}` : ''}`}
        </span>
      </div>
    </div>
  );
}
