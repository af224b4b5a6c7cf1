import os from 'node:os';
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';

// onnx-proto is CommonJS (`module.exports = root`): Node's ESM loader exposes only its default export, so the
// named `import { onnx }` fails at run time; the types still come from the named namespace.
const { TensorProto, AttributeProto, ModelProto } = onnxProto.onnx;

/** The tensor element types the test models use, with their ONNX TensorProto.DataType codes. */
export const ElemType = {
  float: TensorProto.DataType.FLOAT,
  uint8: TensorProto.DataType.UINT8,
  int8: TensorProto.DataType.INT8,
  int32: TensorProto.DataType.INT32,
  int64: TensorProto.DataType.INT64,
} as const;
export type ElemTypeName = keyof typeof ElemType;

export type TensorData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

/** A dimension: a fixed size or a symbolic name such as `batch_size`. */
export type Dim = number | string;

/** Float attributes are wrapped so that `1` (an int attribute such as `to` or `axis`) is never taken for a float. */
export interface FloatAttr {
  float: number;
}
export type AttrValue = number | number[] | string | FloatAttr;

export const float = (value: number): FloatAttr => ({ float: value });

export interface OpOptions {
  /** Operator domain; '' (default ONNX) or e.g. 'com.microsoft'. */
  domain?: string;
  /** Number of outputs (default 1). */
  outputs?: number;
  /** Explicit output names (e.g. the graph output); otherwise `<node name>_output_<i>` as torch.onnx writes. */
  outputNames?: string[];
}

function elemTypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return ElemType.float;
  if (data instanceof Uint8Array) return ElemType.uint8;
  if (data instanceof Int8Array) return ElemType.int8;
  if (data instanceof Int32Array) return ElemType.int32;
  return ElemType.int64;
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The bytes of a typed array as ONNX raw_data wants them (little-endian, which we check once at load). */
function rawBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

if (os.endianness() !== 'LE') throw new Error('test-model generation writes raw_data as little-endian; this host is big-endian');

export function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  return { name, type: T.FLOAT, f: value.float };
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Builds one ONNX graph node by node. Node and value names follow what `torch.onnx.export` writes
 * (`/encoder/layer.0/attention/self/query/MatMul`, `..._output_0`), so the graphs read like a Hub export in
 * Netron and names stay stable between runs.
 */
export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  readonly inputs: onnx.IValueInfoProto[] = [];
  readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly scopes: string[] = [];
  private readonly usedNames = new Set<string>();
  private readonly domains = new Set<string>();

  input(name: string, type: ElemTypeName, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, ElemType[type], dims));
    return name;
  }

  output(name: string, type: ElemTypeName, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, ElemType[type], dims));
  }

  /** Runs `body` with node names prefixed by `/a/b` (torch's module path). */
  scope<T>(path: string, body: () => T): T {
    if (!path) return body();
    this.scopes.push(path);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /** A weight or constant stored in the graph. Its data is referenced, not copied, until the model is encoded. */
  initializer(name: string, data: TensorData, dims: readonly number[]): string {
    if (product(dims) !== data.length) throw new Error(`initializer ${name}: dims [${dims.join(',')}] do not match ${data.length} values`);
    if (this.usedNames.has(name)) throw new Error(`duplicate value name ${name}`);
    this.usedNames.add(name);
    this.initializers.push({ name, dims: [...dims], dataType: elemTypeOf(data), rawData: rawBytes(data) });
    return name;
  }

  /** A small constant (shape, axes, scalar), named after the current scope as torch names its Constant nodes. */
  constant(data: TensorData, dims: readonly number[] = [data.length]): string {
    return this.initializer(this.uniqueName(`${this.prefix()}/Constant`) + '_output_0', data, dims);
  }

  int64s(values: readonly number[], dims?: readonly number[]): string {
    return this.constant(BigInt64Array.from(values, (v) => BigInt(v)), dims);
  }

  scalarFloat(value: number): string {
    return this.constant(Float32Array.of(value), []);
  }

  /** Adds a node and returns its first output's name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, options: OpOptions = {}): string {
    const first = this.opMulti(opType, inputs, attrs, options)[0];
    if (first === undefined) throw new Error(`${opType} has no outputs`);
    return first;
  }

  /** Adds a node and returns all its output names. */
  opMulti(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, options: OpOptions = {}): string[] {
    const name = this.uniqueName(`${this.prefix()}/${opType}`);
    const count = options.outputNames?.length ?? options.outputs ?? 1;
    const outputs = options.outputNames ?? Array.from({ length: count }, (_, i) => `${name}_output_${i}`);
    for (const o of outputs) {
      if (this.usedNames.has(o)) throw new Error(`duplicate value name ${o}`);
      this.usedNames.add(o);
    }
    const domain = options.domain ?? '';
    if (domain) this.domains.add(domain);
    this.nodes.push({
      name,
      opType,
      domain,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** The finished model (ir_version 8, opset 17 plus any contrib domain used). */
  toModel(meta: { producerName: string; producerVersion: string; docString?: string }): onnx.IModelProto {
    return {
      irVersion: 8,
      producerName: meta.producerName,
      producerVersion: meta.producerVersion,
      docString: meta.docString ?? '',
      opsetImport: [{ domain: '', version: 17 }, ...[...this.domains].sort().map((domain) => ({ domain, version: 1 }))],
      graph: {
        name: 'main_graph',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
  }

  private prefix(): string {
    return this.scopes.length ? `/${this.scopes.join('/')}` : '';
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name) || this.usedNames.has(`${name}_output_0`); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }
}

/** Serialises a model; protobufjs writes fields in schema order, so the same model gives the same bytes. */
export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return ModelProto.encode(model).finish();
}

/** A float initializer's values (copied when raw_data is not 4-byte aligned). */
export function floatValues(tensor: onnx.ITensorProto): Float32Array {
  const raw = tensor.rawData;
  if (!raw || tensor.dataType !== ElemType.float) throw new Error(`initializer ${tensor.name ?? '?'} is not float raw_data`);
  if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  return new Float32Array(raw.slice().buffer);
}
