/**
 * Keeps only the latest value per key and flushes at most once per interval per key, so a download that
 * reports every chunk reaches a window ~10 times a second. Values marked urgent (a job reaching a final
 * state) go out at once, after any pending value for that key.
 */
export class CoalesceByKey<T> {
  private readonly pending = new Map<string, T>();
  private readonly lastSent = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly intervalMs: number,
    private readonly send: (value: T) => void,
  ) {}

  push(key: string, value: T, urgent = false): void {
    const now = Date.now();
    const last = this.lastSent.get(key) ?? 0;
    if (urgent || now - last >= this.intervalMs) {
      this.clear(key);
      this.flushValue(key, value, now);
      return;
    }
    this.pending.set(key, value);
    if (!this.timers.has(key)) {
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          const v = this.pending.get(key);
          this.pending.delete(key);
          if (v !== undefined) this.flushValue(key, v, Date.now());
        }, this.intervalMs - (now - last)),
      );
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }

  private clear(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.pending.delete(key);
  }

  private flushValue(key: string, value: T, now: number): void {
    this.lastSent.set(key, now);
    this.send(value);
  }
}
