import type { onnx } from 'onnx-proto';
import type { WeightType } from './model-spec';
import { attribute, ElemType, floatValues } from './onnx-graph-builder';

export interface QuantizeDynamicOptions {
  weightType: WeightType;
  /**
   * 7-bit weights (onnxruntime's `reduce_range`): on CPUs without VNNI, u8×s8 products are summed pairwise into
   * int16 and can saturate; halving the weight range avoids it at some cost in precision.
   */
  reduceRange?: boolean;
  /** Store embedding tables as 8-bit too, with a DequantizeLinear after each lookup (default true, as quantize_dynamic). */
  quantizeGather?: boolean;
}

export interface QuantizedTensor {
  data: Int8Array | Uint8Array;
  scale: number;
  zeroPoint: number;
}

/** numpy's rint (round half to even), which onnxruntime's quantizer uses. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Per-tensor linear quantisation as onnxruntime's `quantize_data`: int8 weights symmetric around 0 (zero point 0,
 * range ±127, or ±64 reduced); uint8 asymmetric over [min(0, min), max(0, max)].
 */
export function quantizeTensor(values: Float32Array, type: WeightType, reduceRange = false): QuantizedTensor {
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const [qmin, qmax] = type === 'int8' ? (reduceRange ? [-64, 64] : [-127, 127]) : reduceRange ? [0, 127] : [0, 255];
  let scale: number;
  let zeroPoint: number;
  if (type === 'int8') {
    const absMax = Math.max(-min, max);
    scale = Math.fround(absMax > 0 ? (2 * absMax) / (qmax - qmin) : 1);
    zeroPoint = 0;
  } else {
    scale = Math.fround(max > min ? (max - min) / (qmax - qmin) : 1);
    zeroPoint = Math.min(qmax, Math.max(qmin, rint(qmin - min / scale)));
  }
  const data = type === 'int8' ? new Int8Array(values.length) : new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    data[i] = Math.min(qmax, Math.max(qmin, rint((values[i] ?? 0) / scale) + zeroPoint));
  }
  return { data, scale, zeroPoint };
}

interface QuantNames {
  q: string;
  scale: string;
  zeroPoint: string;
}

const namesFor = (tensor: string): QuantNames => ({ q: `${tensor}_quantized`, scale: `${tensor}_scale`, zeroPoint: `${tensor}_zero_point` });

type TensorDims = NonNullable<onnx.ITensorProto['dims']>;

function tensorProto(name: string, dims: TensorDims, data: Float32Array | Int8Array | Uint8Array): onnx.ITensorProto {
  const dataType = data instanceof Float32Array ? ElemType.float : data instanceof Int8Array ? ElemType.int8 : ElemType.uint8;
  return { name, dims: [...dims], dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * What onnxruntime's `quantize_dynamic` (QOperator format, MatMulConstBOnly) makes of a float model:
 * - every MatMul whose B is a float initializer becomes DynamicQuantizeLinear(A) → MatMulInteger → Cast → Mul by
 *   (A scale · B scale); one DynamicQuantizeLinear is shared by all MatMuls reading the same A (Q, K and V);
 * - every Gather from a float table reads an 8-bit table and is followed by DequantizeLinear.
 * onnxruntime's CPU graph optimiser fuses the MatMul chain into DynamicQuantizeMatMul, its int8 GEMM kernel.
 * Node and value names follow the quantizer's (`<A>_quantized`, `<node>_quant`, `<W>_scale`, …).
 */
export function quantizeDynamic(model: onnx.IModelProto, options: QuantizeDynamicOptions): onnx.IModelProto {
  const graph = model.graph;
  if (!graph?.node || !graph.initializer) throw new Error('quantizeDynamic: model has no graph');
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const isFloatInit = (name: string | undefined, rank?: number): name is string => {
    const t = name === undefined ? undefined : initializers.get(name);
    return t?.dataType === ElemType.float && (rank === undefined || t.dims?.length === rank);
  };
  const quantizedWeights = new Map<string, onnx.ITensorProto[]>();
  const quantizeWeight = (name: string, type: WeightType, reduceRange: boolean): QuantNames => {
    const names = namesFor(name);
    if (!quantizedWeights.has(name)) {
      const source = initializers.get(name);
      if (!source) throw new Error(`unreachable: initializer ${name}`);
      const q = quantizeTensor(floatValues(source), type, reduceRange);
      const zp = type === 'int8' ? Int8Array.of(q.zeroPoint) : Uint8Array.of(q.zeroPoint);
      quantizedWeights.set(name, [tensorProto(names.q, source.dims ?? [], q.data), tensorProto(names.scale, [], Float32Array.of(q.scale)), tensorProto(names.zeroPoint, [], zp)]);
    }
    return names;
  };

  const nodes: onnx.INodeProto[] = [];
  const quantizedActivations = new Map<string, QuantNames>();
  for (const node of graph.node) {
    const inputs = node.input ?? [];
    const output = node.output?.[0];
    const standard = !node.domain;
    const [a, weight] = inputs;
    if (standard && node.opType === 'MatMul' && a !== undefined && output && isFloatInit(weight, 2)) {
      let act = quantizedActivations.get(a);
      if (!act) {
        act = namesFor(a);
        quantizedActivations.set(a, act);
        nodes.push({ name: `${a}_QuantizeLinear`, opType: 'DynamicQuantizeLinear', domain: '', input: [a], output: [act.q, act.scale, act.zeroPoint], attribute: [] });
      }
      const w = quantizeWeight(weight, options.weightType, options.reduceRange ?? false);
      const name = node.name ?? output;
      const integer = `${output}_quantized`;
      const cast = `${integer}_cast_output`;
      const scales = `${name}_quant_scales_mul:0`;
      nodes.push(
        { name: `${name}_quant`, opType: 'MatMulInteger', domain: '', input: [act.q, w.q, act.zeroPoint, w.zeroPoint], output: [integer], attribute: [] },
        { name: `${name}_quant_cast`, opType: 'Cast', domain: '', input: [integer], output: [cast], attribute: [attribute('to', ElemType.float)] },
        { name: `${name}_quant_scales_mul`, opType: 'Mul', domain: '', input: [act.scale, w.scale], output: [scales], attribute: [] },
        { name: `${name}_quant_output_scale_mul`, opType: 'Mul', domain: '', input: [cast, scales], output: [output], attribute: [] },
      );
      continue;
    }
    const [table, indices] = inputs;
    if (standard && node.opType === 'Gather' && (options.quantizeGather ?? true) && indices !== undefined && output && isFloatInit(table)) {
      // Embedding tables are looked up, never multiplied, so 8-bit storage costs no speed; asymmetric uint8 as the
      // quantizer stores activations.
      const t = quantizeWeight(table, 'uint8', false);
      const gathered = `${output}_quantized`;
      nodes.push(
        { ...node, input: [t.q, indices], output: [gathered] },
        { name: `${output}_DequantizeLinear`, opType: 'DequantizeLinear', domain: '', input: [gathered, t.scale, t.zeroPoint], output: [output], attribute: [] },
      );
      continue;
    }
    nodes.push(node);
  }

  // Keep the float original only where some node still reads it; put the 8-bit version in its place.
  const stillRead = new Set(nodes.flatMap((n) => n.input ?? []));
  const newInitializers = graph.initializer.flatMap((t) => {
    const name = t.name ?? '';
    const quantized = quantizedWeights.get(name) ?? [];
    return stillRead.has(name) ? [t, ...quantized] : quantized.length ? quantized : [t];
  });
  return { ...model, graph: { ...graph, node: nodes, initializer: newInitializers } };
}
