/**
 * One contender in the two-process set-current race (spawned by registry-concurrency.test.ts):
 * opens its own core on the shared data dir, waits for the start signal, then tries a compare-and-set.
 * Prints one JSON line: {pid, ok, current} or {pid, ok:false, code, message}.
 */
import fs from 'node:fs';
import { createCore } from '../../src/main/core/create-core';
import { toErrorDTO } from '../../src/shared/errors';

const [home, version, expected, goFile] = process.argv.slice(2) as [string, string, string, string];
const core = createCore({ surface: 'test', env: { MODEL_CENTER_HOME: home } });
process.stdout.write('ready\n');
while (!fs.existsSync(goFile)) await new Promise((r) => setTimeout(r, 2));
try {
  const detail = await core.invoke('registry.setCurrent', { model: 'race', version, expectedCurrent: expected });
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ok: true, version, current: detail.currentVersion })}\n`);
} catch (err) {
  const dto = toErrorDTO(err);
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ok: false, version, code: dto.code, message: dto.message })}\n`);
} finally {
  await core.close();
}
