/** Bytes per second over the last few seconds, for a job's speed and ETA. */
export class RateMeter {
  private samples: Array<{ t: number; bytes: number }> = [];

  add(bytes: number): void {
    const t = Date.now();
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
  }

  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 200) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.t - first.t));
  }
}
