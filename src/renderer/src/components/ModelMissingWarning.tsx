import type { ErrorDTO } from '../../../shared/errors';
import { useUiStore } from '../stores/ui-store';

const DOWNLOAD_COMMAND = /model-center download ([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9._-]*[A-Za-z0-9])/;

/**
 * The Hub model the inference gate refused (MODEL_NOT_PRESENT: not downloaded, incomplete, or failing its last
 * verification), also when a migration's dry-run reports it as its failed "downloaded" check. The gate names the
 * repo only in its repair command, so that is where it is read from; a folder model names none (null).
 */
export function refusedHubModel(error: ErrorDTO): string | null {
  const refused = error.code === 'MODEL_NOT_PRESENT' || (error.code === 'MIGRATION_REFUSED' && error.issues?.some((i) => i.path === 'downloaded'));
  if (!refused) return null;
  const text = [error.message, error.hint ?? '', ...(error.issues ?? []).map((i) => i.message)].join('\n');
  return DOWNLOAD_COMMAND.exec(text)?.[1] ?? null;
}

/** Next to an error the gate raised for a Hub model: the way to the page that downloads (and so repairs) it. */
export function ModelMissingWarning({ error }: { error: ErrorDTO }): React.JSX.Element | null {
  const goDownload = useUiStore((s) => s.goDownload);
  const repo = refusedHubModel(error);
  if (!repo) return null;
  return (
    <div className="warning-banner" data-testid="model-missing" data-repo={repo}>
      <span>
        <strong>{repo}</strong> is not fully downloaded and verified: download it again to repair it, then verify it.
      </span>
      <button type="button" onClick={() => goDownload(repo)}>
        Go to Downloads
      </button>
    </div>
  );
}
