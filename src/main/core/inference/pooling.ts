import type { PoolingMode } from './model-config';

/**
 * Pools token states [batch, seq, dim] into sentence vectors [batch, dim] the way sentence-transformers does:
 * padding positions never count (mask), mean divides by the real token count, max ignores padding, cls takes
 * position 0 and lasttoken the last real token.
 */
export function poolTokens(
  hidden: Float32Array,
  mask: BigInt64Array,
  lengths: number[],
  batch: number,
  seqLen: number,
  dim: number,
  mode: PoolingMode,
): Float32Array {
  const out = new Float32Array(batch * dim);
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    const rowBase = b * seqLen * dim;
    if (mode === 'cls' || mode === 'lasttoken') {
      const pos = mode === 'cls' ? 0 : Math.max(0, lengths[b]! - 1);
      out.set(hidden.subarray(rowBase + pos * dim, rowBase + (pos + 1) * dim), o);
      continue;
    }
    if (mode === 'max') out.fill(-Infinity, o, o + dim);
    let count = 0;
    for (let t = 0; t < seqLen; t++) {
      if (mask[b * seqLen + t] === 0n) continue;
      count++;
      const h = rowBase + t * dim;
      if (mode === 'mean') for (let d = 0; d < dim; d++) out[o + d]! += hidden[h + d]!;
      else for (let d = 0; d < dim; d++) if (hidden[h + d]! > out[o + d]!) out[o + d] = hidden[h + d]!;
    }
    if (mode === 'mean' && count > 0) for (let d = 0; d < dim; d++) out[o + d]! /= count;
    if (count === 0) out.fill(0, o, o + dim);
  }
  return out;
}

/** L2-normalises each row in place (a zero row stays zero). */
export function normalizeRows(vectors: Float32Array, dim: number): void {
  for (let o = 0; o < vectors.length; o += dim) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += vectors[o + d]! * vectors[o + d]!;
    const norm = Math.sqrt(sum);
    if (norm > 0) for (let d = 0; d < dim; d++) vectors[o + d]! /= norm;
  }
}
