import { useEffect, useState } from 'react';
import { EXECUTION_PROVIDERS, THEMES, type EditableSettings, type ExecutionProviderSetting, type InferenceStatusDTO } from '../../../shared/contract';
import { describeFallback } from '../../../shared/provider-fallback';
import { EmbeddingModelInput } from '../components/EmbeddingModelInput';
import { useSettingsStore } from '../stores/settings-store';
import { useStatusStore } from '../stores/status-store';

function SourceNote({ source }: { source: string | undefined }): React.JSX.Element | null {
  if (source === 'env') return <span className="muted"> (set by an environment variable; it wins over this field)</span>;
  if (source === 'default') return <span className="muted"> (default)</span>;
  return null;
}

const PROVIDER_NOTES: Record<ExecutionProviderSetting, string> = {
  auto: 'auto: the GPU providers this machine has, then CPU (the reason is shown on Status)',
  cpu: 'cpu: always available, predictable',
  webgpu: 'webgpu: bundled on Linux, Windows and macOS',
  cuda: 'cuda: NVIDIA GPUs; needs the opt-in CUDA install of onnxruntime-node (see README)',
  dml: 'dml: DirectML, Windows only',
  coreml: 'coreml: Apple, macOS only',
};

/** What onnxruntime says it can run here; providers it lists as not bundled need an install of their own. */
function ProviderAvailability({ inference }: { inference: InferenceStatusDTO | undefined }): React.JSX.Element {
  if (!inference) return <span className="muted">Providers on this machine: not known yet.</span>;
  const list = inference.available.map((p) => `${p.name}${p.bundled ? '' : ' (not installed: opt-in)'}`).join(', ');
  return (
    <span className="muted" data-testid="available-providers">
      onnxruntime {inference.onnxruntimeVersion} on this machine: {list || 'cpu'}.{inference.lastFallback ? ` Last fallback: ${describeFallback(inference.lastFallback)}.` : ''}
    </span>
  );
}

type NumberKey = 'inferenceThreads' | 'modelIdleUnloadSeconds' | 'embeddingCacheMb';

export function SettingsPage(): React.JSX.Element {
  const inference = useStatusStore((s) => s.status?.inference);
  const { view, saving, error, update, setToken, clearToken } = useSettingsStore();
  const [draft, setDraft] = useState<EditableSettings | null>(null);
  const [token, setTokenDraft] = useState('');
  const [saved, setSaved] = useState(false);
  // The raw text of the required-models box: split into refs on save, so typing a new line is not swallowed.
  const [requiredText, setRequiredText] = useState('');
  const [voskText, setVoskText] = useState('');

  useEffect(() => {
    if (view) {
      setDraft(view.values);
      setRequiredText(view.values.requiredModels.join('\n'));
      setVoskText(view.values.voskDirs.join('\n'));
    }
  }, [view]);

  if (!view || !draft) return <section className="page"><h1>Settings</h1><p className="muted">Loading…</p></section>;

  const numberField = (key: NumberKey, label: string, min: number, max: number, note: string): React.JSX.Element => (
    <label>
      {label}
      <input
        name={key}
        type="number"
        min={min}
        max={max}
        value={draft[key]}
        disabled={view.sources[key] === 'env'}
        onChange={(e) => setDraft({ ...draft, [key]: Number(e.target.value) })}
      />
      <span className="muted">
        {note}
        <SourceNote source={view.sources[key]} />
      </span>
    </label>
  );

  const save = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    const patch: Partial<EditableSettings> = {};
    for (const key of Object.keys(draft) as (keyof EditableSettings)[]) {
      if (key === 'requiredModels' || key === 'voskDirs') continue;
      if (draft[key] !== view.values[key] && view.sources[key] !== 'env') Object.assign(patch, { [key]: draft[key] });
    }
    const lines = (text: string): string[] =>
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const required = lines(requiredText);
    if (required.join('\n') !== view.values.requiredModels.join('\n')) patch.requiredModels = required;
    const vosk = lines(voskText);
    if (view.sources.voskDirs !== 'env' && vosk.join('\n') !== view.values.voskDirs.join('\n')) patch.voskDirs = vosk;
    setSaved(await update(patch));
  };

  return (
    <section className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <form className="form" onSubmit={(e) => void save(e)}>
        <label>
          Data folder
          <input value={view.dataDir} readOnly />
          <span className="muted">Database, token and logs. Change it with MODEL_CENTER_HOME.</span>
        </label>
        <label>
          Model cache folder (Hugging Face layout)
          <input name="hubCacheDir" value={draft.hubCacheDir} disabled={view.sources.hubCacheDir === 'env'} onChange={(e) => setDraft({ ...draft, hubCacheDir: e.target.value })} />
          <SourceNote source={view.sources.hubCacheDir} />
        </label>
        <label>
          Hub URL
          <input name="hubEndpoint" value={draft.hubEndpoint} disabled={view.sources.hubEndpoint === 'env'} onChange={(e) => setDraft({ ...draft, hubEndpoint: e.target.value })} />
          <SourceNote source={view.sources.hubEndpoint} />
        </label>
        <label>
          MLflow tracking server (empty = off)
          <input
            name="mlflowTrackingUri"
            placeholder="http://localhost:5000"
            value={draft.mlflowTrackingUri}
            disabled={view.sources.mlflowTrackingUri === 'env'}
            onChange={(e) => setDraft({ ...draft, mlflowTrackingUri: e.target.value.trim() })}
          />
          <SourceNote source={view.sources.mlflowTrackingUri} />
        </label>
        <label>
          Parallel file downloads
          <input name="downloadConcurrency" type="number" min={1} max={16} value={draft.downloadConcurrency} onChange={(e) => setDraft({ ...draft, downloadConcurrency: Number(e.target.value) })} />
        </label>
        <label>
          Required models (one per line: ollama:gemma2:2b, vosk:vosk-model-small-ru-0.22, hf:org/name@rev)
          <textarea name="requiredModels" rows={4} value={requiredText} onChange={(e) => setRequiredText(e.target.value)} placeholder="ollama:gemma2:2b" />
        </label>
        <label>
          Vosk model folders (one absolute path per line; searched before the usual places)
          <textarea
            name="voskDirs"
            rows={3}
            value={voskText}
            disabled={view.sources.voskDirs === 'env'}
            onChange={(e) => setVoskText(e.target.value)}
            placeholder="/srv/models/vosk"
          />
          <SourceNote source={view.sources.voskDirs} />
        </label>
        <label>
          Theme
          <select name="theme" value={draft.theme} onChange={(e) => setDraft({ ...draft, theme: e.target.value as EditableSettings['theme'] })}>
            {THEMES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="fieldset" data-testid="inference-settings">
          <legend>Inference</legend>
          <label>
            Execution provider
            <select
              name="executionProvider"
              value={draft.executionProvider}
              disabled={view.sources.executionProvider === 'env'}
              onChange={(e) => setDraft({ ...draft, executionProvider: e.target.value as ExecutionProviderSetting })}
            >
              {EXECUTION_PROVIDERS.map((p) => (
                <option key={p} value={p}>
                  {PROVIDER_NOTES[p]}
                </option>
              ))}
            </select>
            <span>
              <ProviderAvailability inference={inference} />
              <SourceNote source={view.sources.executionProvider} />
            </span>
          </label>
          {numberField('inferenceThreads', 'Threads per model session', 0, 256, `0 = the physical cores of this machine${inference ? ` (now ${inference.threads})` : ''}.`)}
          {numberField('modelIdleUnloadSeconds', 'Unload a model after it is idle for (seconds)', 5, 86_400, 'Gives its memory back; the next request loads it again.')}
          {numberField('embeddingCacheMb', 'Embedding cache size (MB)', 0, 1_000_000, '0 turns the cache off; least recently used vectors go first.')}
          <label>
            Default embedding model
            <EmbeddingModelInput
              name="defaultEmbeddingModel"
              placeholder="none: callers must name a model"
              value={draft.defaultEmbeddingModel}
              disabled={view.sources.defaultEmbeddingModel === 'env'}
              onValueChange={(v) => setDraft({ ...draft, defaultEmbeddingModel: v.trim() })}
            />
            <span className="muted">
              Used when embed names no model (registry name or alias, hf:org/name, or a folder path).
              <SourceNote source={view.sources.defaultEmbeddingModel} />
            </span>
          </label>
        </fieldset>
        <div className="row">
          <button type="submit" disabled={saving}>
            Save
          </button>
          {saved && !error && <span className="muted" role="status">Saved.</span>}
        </div>
      </form>
      {error && <div className="error-banner" role="alert">{error}</div>}
      <h2>Hugging Face token</h2>
      <p data-testid="token-presence">
        {view.hfToken.present ? `A token is set (${view.hfToken.source === 'env' ? 'from HF_TOKEN' : 'stored'}).` : 'No token is set: gated and private repos will be refused.'}
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void setToken(token).then((ok) => ok && setTokenDraft(''));
        }}
      >
        <input type="password" autoComplete="off" placeholder="hf_…" value={token} onChange={(e) => setTokenDraft(e.target.value)} aria-label="Hugging Face token" />
        <button type="submit" disabled={!token || saving}>
          Store token
        </button>
        {view.hfToken.source === 'stored' && (
          <button type="button" onClick={() => void clearToken()}>
            Forget stored token
          </button>
        )}
      </form>
    </section>
  );
}
