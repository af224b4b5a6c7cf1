/**
 * A seeded pseudo-random generator for the test models.
 *
 * Only 32-bit integer operations and exact float additions/multiplications are used, never Math.log/cos: those
 * are not guaranteed bit-identical across engines, and the generated files must be byte-identical everywhere
 * (tests compare their sha256).
 */
export class Prng {
  // sfc32 state: small, fast, and passes PractRand far beyond what a test model needs.
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private readonly seed: number;

  constructor(seed: number | string) {
    const s = typeof seed === 'string' ? hashString(seed) : seed >>> 0;
    this.seed = s;
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = s;
    // Mix the seed in, as sfc32's authors recommend, so nearby seeds give unrelated streams.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Approximately standard normal: the sum of four uniform 16-bit draws (Irwin–Hall), centred and scaled to
   * variance 1. Tails stop at ±3.46, which is fine for weights and keeps the value set deterministic.
   */
  gaussian(): number {
    const x = this.nextUint32();
    const y = this.nextUint32();
    const sum = (x & 0xffff) + (x >>> 16) + (y & 0xffff) + (y >>> 16);
    return (sum - IH_MEAN) * IH_INV_SD;
  }

  /** Fills `out` with N(0, std²)-like values. */
  fillGaussian(out: Float32Array, std: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.gaussian() * std;
    return out;
  }

  /**
   * A child generator for one named purpose. It depends on this generator's seed and the label only, not on how
   * far this one has been drawn, so adding a tensor never shifts the values of the others.
   */
  fork(label: string): Prng {
    return new Prng((Math.imul(this.seed, 0x9e3779b1) ^ hashString(label)) >>> 0);
  }
}

// Four uniform integers on 0..65535: mean 4·65535/2, variance 4·(65536²−1)/12.
const IH_MEAN = 2 * 65535;
const IH_INV_SD = 1 / Math.sqrt((4 * (65536 * 65536 - 1)) / 12);

/** FNV-1a over the UTF-16 code units: a stable 32-bit seed from a name. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
