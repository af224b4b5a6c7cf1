// npm run bench:download — one large file from a loopback Hub, side by side in one run: curl to disk versus
// Model Center's download job (resumable transfer, sha256 verification, HF cache layout), with the peak RSS
// growth of our process during the transfer. Size: BENCH_DOWNLOAD_MB (default 1024). Runs: BENCH_RUNS (2).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../src/main/core/create-core';

const MB = Number(process.env.BENCH_DOWNLOAD_MB ?? 1024);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const bytes = MB * 1024 * 1024;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-bench-download-'));

async function startHub(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/serve-big-repo.ts', import.meta.url)), String(MB)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`hub exited ${code}`)));
  });
  return { url: url.replace(/\/$/, ''), stop: () => child.kill('SIGKILL') };
}

function curlOnce(url: string): number {
  const out = path.join(work, 'curl.bin');
  const start = process.hrtime.bigint();
  const r = spawnSync('curl', ['-sS', '-L', '-o', out, url]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr.toString()}`);
  if (fs.statSync(out).size !== bytes) throw new Error('curl got a short file');
  fs.rmSync(out);
  return seconds;
}

async function oursOnce(hubUrl: string, run: number): Promise<{ seconds: number; rssGrowthMB: number }> {
  const home = path.join(work, `home-${run}`);
  const core = createCore({ surface: 'cli', env: { MODEL_CENTER_HOME: home, HF_ENDPOINT: hubUrl, HF_HUB_CACHE: path.join(home, 'hub') } });
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const start = process.hrtime.bigint();
  const job = await core.invoke('hub.download', { repo: 'bench/big', revision: 'main', variant: 'fp32', include: [] });
  const final = await core.jobs.waitForSettled(job.id);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  if (final.state !== 'done') throw new Error(`download ended ${final.state}: ${final.error?.message ?? ''}`);
  await core.close();
  fs.rmSync(home, { recursive: true, force: true });
  return { seconds, rssGrowthMB: (peak - baseline) / 1024 / 1024 };
}

async function main(): Promise<void> {
  if (spawnSync('curl', ['--version']).status !== 0) throw new Error('curl is needed for the baseline (apt-get install -y curl)');
  const hub = await startHub();
  const url = `${hub.url}/bench/big/resolve/main/onnx/model.onnx`;
  try {
    const curl: number[] = [];
    const ours: { seconds: number; rssGrowthMB: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      curl.push(curlOnce(url));
      ours.push(await oursOnce(hub.url, i));
    }
    const curlBest = Math.min(...curl);
    const oursBest = Math.min(...ours.map((o) => o.seconds));
    const curlMBs = MB / curlBest;
    const oursMBs = MB / oursBest;
    const ratio = oursMBs / curlMBs;
    const rss = Math.max(...ours.map((o) => o.rssGrowthMB));
    console.log(`\nDownload of one ${MB} MiB file from a loopback Hub (best of ${RUNS} runs each)`);
    console.log(`  curl -L -o file          ${curlMBs.toFixed(0).padStart(6)} MiB/s   (runs: ${curl.map((s) => (MB / s).toFixed(0)).join(', ')})`);
    console.log(`  model-center download    ${oursMBs.toFixed(0).padStart(6)} MiB/s   (runs: ${ours.map((o) => (MB / o.seconds).toFixed(0)).join(', ')}; sha256 verified, HF cache layout)`);
    console.log(`  ratio ours / curl        ${ratio.toFixed(2)}×   target ≥ 0.90×  ${ratio >= 0.9 ? 'PASS' : 'MISS'}`);
    console.log(`  peak RSS growth          ${rss.toFixed(1)} MiB   target < 64 MiB  ${rss < 64 ? 'PASS' : 'MISS'}`);
  } finally {
    hub.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
