import { useEffect, useState } from 'react';
import { THEMES, type EditableSettings } from '../../../shared/contract';
import { useSettingsStore } from '../stores/settings-store';

function SourceNote({ source }: { source: string | undefined }): React.JSX.Element | null {
  if (source === 'env') return <span className="muted"> (set by an environment variable; it wins over this field)</span>;
  if (source === 'default') return <span className="muted"> (default)</span>;
  return null;
}

export function SettingsPage(): React.JSX.Element {
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
