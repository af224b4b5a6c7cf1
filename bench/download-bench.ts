// npm run bench:download — one large file from a loopback Hub, side by side in one run: curl to disk versus
// Model Center's download job (resumable transfer, sha256 verification, HF cache layout), with the peak RSS
// growth of our process during the transfer. Size: BENCH_DOWNLOAD_MB (default 1024). Runs: BENCH_RUNS (3).
// BENCH_CONNECTIONS=N fixes our ranged connections per file at N (1: one stream) instead of adding them while
// they help, and BENCH_SEGMENT_MB caps their segment size, to compare. BENCH_CAP_MIBS caps each connection of the server at that
// many MiB/s, as the Hub's CDN caps one connection: what several ranged connections are for.
// curl and ours alternate run by run, so a machine busy with other work slows both alike; the ratio is taken
// on the best runs and on the medians. `curl -o file && sha256sum file` does the same work as ours (download, then verify),
// the like-for-like baseline: on a 2-core machine the hash alone takes most of a core. CPU per MiB (ours: every thread of this process; curl: the child) does
// not depend on how busy the machine is, so it is printed too, with the loopback server's (on loopback the server
// takes CPU from the same cores, as a remote CDN does not). From those figures the run prints the ceiling of any
// verified download on this machine: every CPU busy with nothing but curl's work, sha256 and the server's share.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../src/main/core/create-core';
import { DEFAULT_SEGMENTS } from '../src/main/core/hub/resumable-transfer';

const MB = Number(process.env.BENCH_DOWNLOAD_MB ?? 1024);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const bytes = MB * 1024 * 1024;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-bench-download-'));
const TARGET_RATIO = 0.9;
const TARGET_RSS_MB = 64;
const CAP_MIBS = Number(process.env.BENCH_CAP_MIBS ?? 0);
if (process.env.BENCH_CONNECTIONS) {
  DEFAULT_SEGMENTS.connections = Number(process.env.BENCH_CONNECTIONS);
  DEFAULT_SEGMENTS.adaptive = false;
}
if (process.env.BENCH_SEGMENT_MB) DEFAULT_SEGMENTS.segmentBytes = Number(process.env.BENCH_SEGMENT_MB) * 1024 * 1024;

interface Run {
  seconds: number;
  cpuSeconds: number;
  /** CPU seconds the loopback Hub spent serving this run. */
  serverCpuSeconds: number;
}

async function startHub(): Promise<{ url: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/serve-big-repo.ts', import.meta.url)), String(MB), String(CAP_MIBS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`hub exited ${code}`)));
  });
  return { url: url.replace(/\/$/, ''), pid: child.pid ?? 0, stop: () => child.kill('SIGKILL') };
}

/** CPU seconds of a running process (Linux /proc; 0 elsewhere). */
function processCpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of the children this process has waited for (Linux /proc; 0 elsewhere). */
function childrenCpuSeconds(): number {
  try {
    // Fields after the command name: state is field 3, cutime 16 and cstime 17, in clock ticks (100 a second).
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

/**
 * curl alone (`-o file`), or followed by the check ours does (`curl -o file && sha256sum file`, as a person verifies
 * a download by hand): the like-for-like baseline, since hashing costs about as much CPU as the transfer itself.
 */
function curlOnce(url: string, serverPid: number, verify = false): Run {
  const out = path.join(work, 'curl.bin');
  const cpu0 = childrenCpuSeconds();
  const server0 = processCpuSeconds(serverPid);
  const start = process.hrtime.bigint();
  const r = verify
    ? spawnSync('bash', ['-c', 'curl -sS -L -o "$2" "$1" && sha256sum "$2" >/dev/null', 'bash', url, out])
    : spawnSync('curl', ['-sS', '-L', '-o', out, url]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr.toString()}`);
  if (fs.statSync(out).size !== bytes) throw new Error('curl got a short file');
  const serverCpuSeconds = processCpuSeconds(serverPid) - server0;
  fs.rmSync(out);
  return { seconds, cpuSeconds: childrenCpuSeconds() - cpu0, serverCpuSeconds };
}

async function oursOnce(hubUrl: string, serverPid: number, run: number): Promise<Run & { rssGrowthMB: number }> {
  const home = path.join(work, `home-${run}`);
  const core = createCore({ surface: 'cli', env: { MODEL_CENTER_HOME: home, HF_ENDPOINT: hubUrl, HF_HUB_CACHE: path.join(home, 'hub') } });
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const cpu0 = process.cpuUsage();
  const server0 = processCpuSeconds(serverPid);
  const start = process.hrtime.bigint();
  const job = await core.invoke('hub.download', { repo: 'bench/big', revision: 'main', variant: 'fp32', include: [] });
  const final = await core.jobs.waitForSettled(job.id);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const serverCpuSeconds = processCpuSeconds(serverPid) - server0;
  clearInterval(sampler);
  if (final.state !== 'done') throw new Error(`download ended ${final.state}: ${final.error?.message ?? ''}`);
  await core.close();
  fs.rmSync(home, { recursive: true, force: true });
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, serverCpuSeconds, rssGrowthMB: (peak - baseline) / 1024 / 1024 };
}

/** CPU milliseconds per MiB of Node's sha256 on this machine, one thread: the floor of any verified download. */
function sha256MsPerMiB(): number {
  const buf = Buffer.alloc(1024 * 1024, 7);
  const h = createHash('sha256');
  const start = process.hrtime.bigint();
  for (let i = 0; i < 256; i++) h.update(buf);
  h.digest();
  return Number(process.hrtime.bigint() - start) / 1e6 / 256;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function line(name: string, runs: Run[]): { best: number; median: number; cpu: number; serverCpu: number } {
  const rates = runs.map((r) => MB / r.seconds);
  const best = Math.max(...rates);
  const med = median(rates);
  const cpu = median(runs.map((r) => (r.cpuSeconds * 1000) / MB));
  const serverCpu = median(runs.map((r) => (r.serverCpuSeconds * 1000) / MB));
  console.log(
    `  ${name.padEnd(24)} best ${best.toFixed(0).padStart(5)} MiB/s   median ${med.toFixed(0).padStart(5)} MiB/s   CPU ${cpu.toFixed(2)} ms/MiB, server ${serverCpu.toFixed(2)}   (runs: ${rates.map((r) => r.toFixed(0)).join(', ')})`,
  );
  return { best, median: med, cpu, serverCpu };
}

async function main(): Promise<void> {
  if (spawnSync('curl', ['--version']).status !== 0) throw new Error('curl is needed for the baseline (apt-get install -y curl)');
  const hub = await startHub();
  const url = `${hub.url}/bench/big/resolve/main/onnx/model.onnx`;
  try {
    const curl: Run[] = [];
    const curlVerified: Run[] = [];
    const ours: Array<Run & { rssGrowthMB: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      curl.push(curlOnce(url, hub.pid));
      curlVerified.push(curlOnce(url, hub.pid, true));
      ours.push(await oursOnce(hub.url, hub.pid, i));
    }
    const load = os.loadavg()[0]!.toFixed(1);
    const seg = DEFAULT_SEGMENTS;
    const how =
      seg.connections > 1 && bytes >= seg.minFileBytes
        ? `${seg.adaptive ? 'up to ' : ''}${seg.connections} ranged connections${seg.adaptive ? ', added while they help' : ''}`
        : 'one connection';
    const cap = CAP_MIBS > 0 ? `, the server capped at ${CAP_MIBS} MiB/s a connection` : '';
    console.log(`\nDownload of one ${MB} MiB file from a loopback Hub${cap}, ${RUNS} runs each, alternating (${os.cpus().length} CPUs, load average ${load}; ours: ${how})`);
    const c = line('curl -L -o file', curl);
    const cv = line('curl && sha256sum', curlVerified);
    const o = line('model-center download', ours);
    console.log('  (ours: sha256 verified, HF cache layout; CPU counts every thread of this process, curl its own)');
    const sha = sha256MsPerMiB();
    console.log(`  sha256 alone costs ${sha.toFixed(2)} ms/MiB of CPU here: the floor under any verified download`);
    // A verified download does at least curl's work plus the hash, and the loopback server takes its share of
    // the same CPUs: with every CPU busy and nothing else, this is as fast as one can go here.
    const cpus = os.cpus().length;
    const floor = c.cpu + sha + o.serverCpu;
    const ceiling = (cpus * 1000) / floor;
    const atOurCpu = (cpus * 1000) / (o.cpu + o.serverCpu);
    console.log(
      `  ceiling of a verified download here: ${cpus} CPUs / (curl ${c.cpu.toFixed(2)} + sha256 ${sha.toFixed(2)} + server ${o.serverCpu.toFixed(2)} ms/MiB) = ${ceiling.toFixed(0)} MiB/s = ${(ceiling / c.best).toFixed(2)}× curl's best; at ours' own CPU per MiB ${atOurCpu.toFixed(0)} MiB/s = ${(atOurCpu / c.best).toFixed(2)}×; ours reached ${((o.best / ceiling) * 100).toFixed(0)} % of the ceiling`,
    );
    console.log(`  ratio ours / (curl && sha256sum)  best ${(o.best / cv.best).toFixed(2)}×   median ${(o.median / cv.median).toFixed(2)}×   (like for like: both verify)`);
    const ratio = o.best / c.best;
    const ratioMedian = o.median / c.median;
    const rss = Math.max(...ours.map((r) => r.rssGrowthMB));
    const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    console.log(`  ratio ours / curl        best ${ratio.toFixed(2)}×   median ${ratioMedian.toFixed(2)}×   target ≥ ${TARGET_RATIO.toFixed(2)}× (best)  ${verdict(ratio >= TARGET_RATIO)}`);
    console.log(`  peak RSS growth          ${rss.toFixed(1)} MiB   target < ${TARGET_RSS_MB} MiB  ${verdict(rss < TARGET_RSS_MB)}`);
  } finally {
    hub.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
