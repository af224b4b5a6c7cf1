import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { JobKind } from './job-kind';
import { abortableSleep } from './abortable-sleep';

const Params = z.object({
  steps: z.number().int().min(1),
  stepMs: z.number().int().min(0),
  failAtStep: z.number().int().min(0).optional(),
});
type Params = z.infer<typeof Params>;

interface Checkpoint {
  step: number;
  digest: string;
}


/**
 * A job that exercises the whole machinery for real: a sha256 chain over 64 KiB blocks, one per step, with
 * progress, a checkpoint per step (so pause, crash and resume continue the same chain), and an optional failure.
 */
export const selftestJob: JobKind<Params, Checkpoint, { digest: string; steps: number }> = {
  kind: 'selftest',
  paramsSchema: Params,
  resumable: true,
  title: (p) => `Self-test (${p.steps} steps)`,
  async run({ params, checkpoint, signal, report, saveCheckpoint }) {
    let digest = checkpoint?.digest ?? createHash('sha256').update('model-center').digest('hex');
    const block = Buffer.alloc(64 * 1024, 7);
    for (let step = checkpoint?.step ?? 0; step < params.steps; step++) {
      if (params.failAtStep !== undefined && step === params.failAtStep) {
        throw new AppError('INTERNAL', `Self-test failed at step ${step} as requested (failAtStep).`);
      }
      digest = createHash('sha256').update(digest).update(block).digest('hex');
      await abortableSleep(params.stepMs, signal);
      saveCheckpoint({ step: step + 1, digest });
      report({
        progress: ((step + 1) / params.steps) * 100,
        phase: 'hashing',
        message: `step ${step + 1} of ${params.steps}`,
        detail: { step: step + 1, steps: params.steps },
      });
    }
    return { digest, steps: params.steps };
  },
};
