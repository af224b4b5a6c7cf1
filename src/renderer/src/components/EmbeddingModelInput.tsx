import { useEffect, useId, useMemo } from 'react';
import { useHubStore } from '../stores/hub-store';
import { useRegistryStore } from '../stores/registry-store';
import { useSettingsStore } from '../stores/settings-store';

interface Suggestion {
  value: string;
  label: string;
}

/** Model references worth offering: registry embedding models (and aliases), downloaded Hub models, the default. */
function useEmbeddingModelSuggestions(): Suggestion[] {
  const models = useRegistryStore((s) => s.models);
  const registryLoaded = useRegistryStore((s) => s.loaded);
  const downloads = useHubStore((s) => s.models);
  const hubLoaded = useHubStore((s) => s.loaded);
  const defaultModel = useSettingsStore((s) => s.view?.values.defaultEmbeddingModel ?? '');
  useEffect(() => {
    if (!registryLoaded) void useRegistryStore.getState().load();
    if (!hubLoaded) void useHubStore.getState().load();
  }, [registryLoaded, hubLoaded]);
  return useMemo(() => {
    const out: Suggestion[] = [];
    if (defaultModel) out.push({ value: defaultModel, label: 'default embedding model (Settings)' });
    for (const m of models.filter((x) => x.type === 'embedding')) {
      const version = m.currentVersion ? `current ${m.currentVersion}` : 'no current version';
      out.push({ value: m.name, label: `registry · ${version}${m.dimension ? ` · ${m.dimension} dims` : ''}` });
      for (const alias of m.aliases) out.push({ value: alias, label: `alias of ${m.name}` });
    }
    for (const d of downloads) {
      out.push({ value: d.revision === 'main' ? `hf:${d.repo}` : `hf:${d.repo}@${d.revision}`, label: `downloaded · ${d.variant} · ${d.commit.slice(0, 10)}` });
    }
    const seen = new Set<string>();
    return out.filter((s) => !seen.has(s.value) && seen.add(s.value));
  }, [models, downloads, defaultModel]);
}

interface Props extends Omit<React.InputHTMLAttributes<HTMLInputElement>, 'list' | 'value' | 'onChange'> {
  value: string;
  onValueChange(value: string): void;
}

/** A free-text model reference (name, alias, hf:org/name, folder path) with the known models as suggestions. */
export function EmbeddingModelInput({ value, onValueChange, ...rest }: Props): React.JSX.Element {
  const listId = useId();
  const suggestions = useEmbeddingModelSuggestions();
  return (
    <>
      <input {...rest} list={listId} value={value} onChange={(e) => onValueChange(e.target.value)} autoComplete="off" spellCheck={false} />
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s.value} value={s.value} label={s.label} />
        ))}
      </datalist>
    </>
  );
}
