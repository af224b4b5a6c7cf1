/**
 * A download to be killed (spawned by hub-transfer.test.ts): runs transferFile with the options given as one
 * JSON argument and prints "started" once its first request is out. The test SIGKILLs it mid-transfer.
 */
import { transferFile, type TransferOptions } from '../../src/main/core/hub/resumable-transfer';

const opts = JSON.parse(process.argv[2]!) as Omit<TransferOptions, 'signal' | 'onProgress'>;
let said = false;
await transferFile({
  ...opts,
  signal: new AbortController().signal,
  onProgress: () => {
    if (said) return;
    said = true;
    process.stdout.write('started\n');
  },
});
process.stdout.write('done\n');
