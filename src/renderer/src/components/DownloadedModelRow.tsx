import { useState } from 'react';
import type { DownloadedModelDTO, VerifyResultDTO } from '../../../shared/contract';
import { revisionKey, useHubStore } from '../stores/hub-store';
import { ConfirmDialog } from './ConfirmDialog';
import { formatBytes } from './format';

/** The download params' limit on --include globs. */
const MAX_INCLUDE = 50;

/**
 * A repair names the damaged files, so that extras first fetched with --include are fetched again too; the record
 * of the revision keeps the files it already lists.
 */
function repairInclude(result: VerifyResultDTO): string[] {
  return result.files.filter((f) => !f.ok).map((f) => f.path).slice(0, MAX_INCLUDE);
}

function DeleteDialog({
  model,
  revisions,
  onDone,
}: {
  model: DownloadedModelDTO;
  /** Every downloaded revision of the same repo, this one included. */
  revisions: DownloadedModelDTO[];
  onDone: (choice: 'revision' | 'model' | null) => void;
}): React.JSX.Element {
  const [whole, setWhole] = useState(false);
  const short = model.commit.slice(0, 7);
  const allBytes = revisions.reduce((s, m) => s + m.sizeBytes, 0);
  return (
    <ConfirmDialog
      title={whole ? `Delete ${model.repo}?` : `Delete revision ${short} of ${model.repo}?`}
      confirmLabel={whole ? 'Delete model' : 'Delete revision'}
      dismissLabel="Keep"
      onConfirm={() => onDone(whole ? 'model' : 'revision')}
      onCancel={() => onDone(null)}
      testId="delete-model-dialog"
    >
      {whole ? (
        <p>
          All {revisions.length} revisions of {model.repo} go: {formatBytes(allBytes)} in the Hugging Face cache, with anything else in its cache
          folder (revisions another tool such as huggingface_hub downloaded).
        </p>
      ) : (
        <p>
          Revision {short} of {model.repo} ({model.revision}) goes: {model.files.length} files, {formatBytes(model.sizeBytes)}. Files another revision
          shares stay.
        </p>
      )}
      {revisions.length > 1 && (
        <label className="row">
          <input type="checkbox" checked={whole} onChange={(e) => setWhole(e.target.checked)} data-testid="delete-whole-model" />
          Delete the whole model instead ({revisions.length} revisions, {formatBytes(allBytes)})
        </label>
      )}
    </ConfirmDialog>
  );
}

/** A downloaded revision (one commit of a repo): verify it, repair what verification found, or delete it. */
export function DownloadedModelRow({ model, revisions }: { model: DownloadedModelDTO; revisions: DownloadedModelDTO[] }): React.JSX.Element {
  const verify = useHubStore((s) => s.verify[revisionKey(model)]);
  const verifyModel = useHubStore((s) => s.verifyModel);
  const deleteModel = useHubStore((s) => s.deleteModel);
  const download = useHubStore((s) => s.download);
  const [asking, setAsking] = useState(false);
  const [repairing, setRepairing] = useState<'started' | 'busy' | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A verification older than the revision's last download (a repair) says nothing about the files now.
  const result = verify && verify !== 'running' && 'ok' in verify && verify.verifiedAt >= model.downloadedAt ? verify : null;
  const remove = async (choice: 'revision' | 'model' | null): Promise<void> => {
    setAsking(false);
    if (choice === null) return;
    setError(await deleteModel(model.repo, choice === 'revision' ? model.commit : undefined));
  };
  const repair = async (failed: VerifyResultDTO): Promise<void> => {
    setRepairing('busy');
    // Pinned to the row's commit, not its branch: the repair restores these files even if the branch moved on.
    const err = await download({ repo: model.repo, revision: model.commit, variant: model.variant, include: repairInclude(failed) });
    setError(err);
    setRepairing(err ? null : 'started');
  };
  return (
    <li className="job" data-model={model.repo} data-commit={model.commit}>
      <div className="job-head">
        <span className="job-title">{model.repo}</span>
        <span className="mono">{model.revision} · {model.commit.slice(0, 10)}</span>
        <span className="badge">{model.variant}</span>
        <span>{formatBytes(model.sizeBytes)}</span>
      </div>
      <div className="job-foot">
        <span className="muted">
          {model.files.length} files · verified {model.verifiedAt ? model.verifiedAt.replace('T', ' ').slice(0, 19) : 'never'}
          {verify === 'running' && ' · verifying…'}
          {result && (result.ok ? ' · all files match' : ` · ${result.files.filter((f) => !f.ok).length} file(s) damaged`)}
        </span>
        <span className="job-actions">
          <button
            onClick={() => {
              setRepairing(null);
              void verifyModel(model);
            }}
            disabled={verify === 'running'}
          >
            Verify
          </button>
          {result && !result.ok && (
            <button onClick={() => void repair(result)} disabled={repairing !== null}>Repair</button>
          )}
          <button onClick={() => setAsking(true)}>Delete</button>
        </span>
      </div>
      {verify && verify !== 'running' && 'error' in verify && <div className="error-text">{verify.error}</div>}
      {result && !result.ok && (
        <ul className="error-text" data-testid="verify-problems">
          {result.files.filter((f) => !f.ok).map((f) => (
            <li key={f.path}>{f.path}: {f.problem} (expected {f.expected}, got {f.actual ?? 'nothing'})</li>
          ))}
        </ul>
      )}
      {result && !result.ok && repairing === 'started' && <div className="muted">Repair started: its download job is under Download jobs.</div>}
      {error && <div className="error-text">{error}</div>}
      {asking && <DeleteDialog model={model} revisions={revisions} onDone={(choice) => void remove(choice)} />}
    </li>
  );
}
