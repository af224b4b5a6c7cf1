import fs from 'node:fs';
import path from 'node:path';

/**
 * Parameter count and size on disk of an ONNX model, read from the file's protobuf without loading it: the reader
 * walks ModelProto.graph.initializer and reads each tensor's dims, type, and external-data location, seeking past
 * raw_data. A multi-gigabyte model (BGE-M3, 2.2 GB) costs a few hundred small reads, not its size in memory.
 *
 * Field numbers from onnx/onnx.proto3: ModelProto.graph = 7; GraphProto.initializer = 5, sparse_initializer = 15;
 * TensorProto.dims = 1, data_type = 2, external_data = 13; StringStringEntryProto key = 1, value = 2;
 * SparseTensorProto.values = 1.
 */

const CHUNK = 64 * 1024;

/** Element types that hold weights: float kinds and the int8/uint8/int4 of quantized models (not int64 shapes, bool, string). */
const WEIGHT_TYPES = new Set([1, 2, 3, 4, 5, 6, 10, 11, 12, 16, 17, 18, 19, 20, 21, 22, 23]);

class PositionalReader {
  private buf = Buffer.alloc(CHUNK);
  private bufStart = 0;
  private bufEnd = 0;
  pos = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  byte(): number {
    if (this.pos >= this.size) throw new Error('unexpected end of the ONNX file');
    if (this.pos < this.bufStart || this.pos >= this.bufEnd) {
      this.bufStart = this.pos;
      this.bufEnd = this.pos + fs.readSync(this.fd, this.buf, 0, CHUNK, this.pos);
    }
    return this.buf[this.pos++ - this.bufStart]!;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new Error('malformed varint in the ONNX file');
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.byte();
    return out;
  }

  /** Reads a length prefix and returns where that message ends. */
  end(): number {
    const length = this.varint();
    return this.pos + length;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.pos = this.end();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wireType} in the ONNX file`);
  }

  /** Calls `field` for each field until `end`; the callback must consume the field or return false to skip it. */
  fields(end: number, field: (num: number, wireType: number) => boolean): void {
    while (this.pos < end) {
      const tag = this.varint();
      const num = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (!field(num, wireType)) this.skip(wireType);
    }
    if (this.pos !== end) throw new Error('malformed ONNX file: a field runs past its message');
  }
}

interface TensorInfo {
  elements: number;
  dataType: number;
  externalFile: string | null;
}

function readTensor(r: PositionalReader, end: number): TensorInfo {
  const dims: number[] = [];
  let dataType = 0;
  let externalFile: string | null = null;
  r.fields(end, (num, wt) => {
    if (num === 1 && wt === 0) dims.push(r.varint());
    else if (num === 1 && wt === 2) {
      const stop = r.end();
      while (r.pos < stop) dims.push(r.varint());
    } else if (num === 2 && wt === 0) dataType = r.varint();
    else if (num === 13 && wt === 2) {
      const stop = r.end();
      let key = '';
      let value = '';
      r.fields(stop, (n, w) => {
        if (w !== 2 || (n !== 1 && n !== 2)) return false;
        const text = r.bytes(r.varint()).toString('utf8');
        if (n === 1) key = text;
        else value = text;
        return true;
      });
      if (key === 'location') externalFile = value;
    } else return false;
    return true;
  });
  return { elements: dims.reduce((a, d) => a * d, 1), dataType, externalFile };
}

export interface OnnxWeights {
  /** Elements of weight initializers with more than one element (scalars and int64 shape constants are not parameters). */
  params: number;
  initializers: number;
  /** The ONNX file plus the external data files its initializers point to. */
  sizeBytes: number;
  externalFiles: string[];
}

export function readOnnxWeights(onnxFile: string): OnnxWeights {
  const fd = fs.openSync(onnxFile, 'r');
  try {
    const r = new PositionalReader(fd, fs.fstatSync(fd).size);
    const tensors: TensorInfo[] = [];
    r.fields(r.size, (num, wt) => {
      if (num !== 7 || wt !== 2) return false;
      const graphEnd = r.end();
      r.fields(graphEnd, (n, w) => {
        if (w !== 2 || (n !== 5 && n !== 15)) return false;
        const stop = r.end();
        if (n === 5) tensors.push(readTensor(r, stop));
        else
          r.fields(stop, (sn, sw) => {
            if (sn !== 1 || sw !== 2) return false;
            tensors.push(readTensor(r, r.end()));
            return true;
          });
        return true;
      });
      return true;
    });
    const weights = tensors.filter((t) => WEIGHT_TYPES.has(t.dataType) && t.elements > 1);
    const dir = path.dirname(onnxFile);
    const externalFiles = [...new Set(tensors.map((t) => t.externalFile).filter((f): f is string => f !== null))];
    const externalBytes = externalFiles.reduce((sum, f) => {
      try {
        return sum + fs.statSync(path.resolve(dir, f)).size;
      } catch {
        return sum;
      }
    }, 0);
    return { params: weights.reduce((a, t) => a + t.elements, 0), initializers: tensors.length, sizeBytes: r.size + externalBytes, externalFiles };
  } finally {
    fs.closeSync(fd);
  }
}
