import type { voskContract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { resolveVoskModel, voskCatalogue } from './vosk-catalogue';
import { activeVoskInstall, VOSK_INSTALL_JOB } from './vosk-install-job';

export function createVoskHandlers(core: CoreServices): DomainHandlers<typeof voskContract> {
  return {
    'vosk.install': ({ model, register }) => {
      const { name, url } = resolveVoskModel(model, core.env);
      // Two jobs on one staging file would write over each other; a stopped one is continued, not doubled.
      const busy = activeVoskInstall(core, name);
      if (busy) {
        throw new AppError('CONFLICT', `Job ${busy.id} is already installing ${name} (${busy.state}).`, {
          hint: busy.state === 'paused' || busy.state === 'interrupted' ? `Resume it with \`model-center jobs resume ${busy.id}\`, or cancel it first.` : 'Wait for it, or cancel it first.',
        });
      }
      core.log.info(`vosk install ${name} from ${url}`);
      return core.jobs.start(VOSK_INSTALL_JOB, { url, register });
    },
    'vosk.recommended': () => voskCatalogue(core.env),
  };
}
