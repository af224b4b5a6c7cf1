import { useEffect, useRef, useState } from 'react';
import type { OllamaShowDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { formatBytes } from '../../../shared/format-bytes';
import { api } from '../api-client';
import { useDialogKeys } from './use-dialog-keys';

/** What `ollama show` tells about a model, asked of the server when the dialog opens; Escape or Close ends it. */
export function OllamaDetailsDialog({ name, onClose }: { name: string; onClose: () => void }): React.JSX.Element {
  const [shown, setShown] = useState<OllamaShowDTO | null>(null);
  const [error, setError] = useState<string | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  useDialogKeys(closeRef, onClose);
  useEffect(() => {
    // A reply for a model asked about before this one must not overwrite it.
    let current = true;
    setShown(null);
    setError(null);
    api()
      .call('ollama.show', { name })
      .then((r) => current && setShown(r))
      .catch((err: unknown) => current && setError(describeError(toErrorDTO(err))));
    return () => {
      current = false;
    };
  }, [name]);
  const facts: Array<[string, string]> = shown
    ? [
        ['Size', shown.sizeBytes !== null ? formatBytes(shown.sizeBytes) : 'not listed by the server'],
        ['Quantisation', shown.quantization ?? '—'],
        ...Object.entries(shown.details)
          .filter(([k]) => k !== 'quantization_level')
          .map(([k, v]): [string, string] => [k.replace(/_/g, ' '), Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)]),
        ['Capabilities', shown.capabilities.join(', ') || '—'],
        ['Modified', shown.modifiedAt?.slice(0, 19).replace('T', ' ') ?? '—'],
      ]
    : [];
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="ollama-details-title" data-testid="ollama-details">
        <h2 id="ollama-details-title">{name}</h2>
        <div className="modal-body">
          {error && <div className="error-banner">{error}</div>}
          {!shown && !error && <p className="muted">Asking Ollama…</p>}
          {shown && (
            <>
              <table>
                <tbody>
                  {facts.map(([k, v]) => (
                    <tr key={k}>
                      <th>{k}</th>
                      <td>{v}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {shown.parameters && <Block title="Parameters" text={shown.parameters} />}
              {shown.template && <Block title="Template" text={shown.template} />}
              {shown.license && <Block title="License" text={shown.license} />}
            </>
          )}
        </div>
        <div className="row modal-actions">
          <button ref={closeRef} onClick={onClose} data-testid="ollama-details-close">
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

function Block({ title, text }: { title: string; text: string }): React.JSX.Element {
  return (
    <details open={title !== 'License'}>
      <summary>{title}</summary>
      <pre className="mono">{text}</pre>
    </details>
  );
}
