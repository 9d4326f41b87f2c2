import { attributeType, dataType, onnxModelType } from '../../src/onnx/onnx-schema.js';

/**
 * Builds ONNX files by hand for tests and the fuzzer: graphs as other exporters write them
 * (PyTorch's MatMul + Add, Flatten of an image input, Gemm with alpha and beta), and graphs
 * Glassbox must refuse.
 */
export interface GraphSpec {
  /** The input's dimensions; strings are symbolic (such as "batch"). */
  input: { name: string; dims: (number | string)[] };
  output: string;
  nodes: NodeSpec[];
  initializers: InitializerSpec[];
  opset?: number;
  irVersion?: number;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, Attribute>;
}

export interface InitializerSpec {
  name: string;
  dims: number[];
  values: ArrayLike<number>;
  /** Default float; 'int64' for shapes; 'double' for float64 weights. */
  type?: 'float' | 'int64' | 'double';
  /** Store the values in raw_data (as PyTorch does) rather than in the typed list. */
  raw?: boolean;
}

export type Attribute = { float: number } | { int: number } | { ints: number[] };

export const float = (value: number): Attribute => ({ float: value });
export const int = (value: number): Attribute => ({ int: value });

/** The ModelProto as a plain object, to encode or to mutate first. */
export function onnxObject(spec: GraphSpec): Record<string, unknown> {
  return {
    ir_version: spec.irVersion ?? 8,
    opset_import: [{ domain: '', version: spec.opset ?? 13 }],
    producer_name: 'onnx-builder',
    graph: {
      name: 'test',
      node: spec.nodes.map((node, i) => ({
        name: node.name ?? `${node.op.toLowerCase()}_${i}`,
        op_type: node.op,
        domain: node.domain ?? '',
        input: node.inputs,
        output: node.outputs,
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
      initializer: spec.initializers.map(initializer),
      input: [{
        name: spec.input.name,
        type: {
          tensor_type: {
            elem_type: dataType.float,
            shape: {
              dim: spec.input.dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })),
            },
          },
        },
      }],
      output: [{ name: spec.output, type: { tensor_type: { elem_type: dataType.float } } }],
    },
  };
}

export function buildOnnx(spec: GraphSpec): Uint8Array {
  return encodeOnnxObject(onnxObject(spec));
}

export function encodeOnnxObject(object: Record<string, unknown>): Uint8Array {
  const type = onnxModelType();
  return type.encode(type.fromObject(object)).finish();
}

function attribute(name: string, value: Attribute): object {
  if ('float' in value) return { name, type: attributeType.float, f: value.float };
  if ('int' in value) return { name, type: attributeType.int, i: value.int };
  return { name, type: attributeType.ints, ints: value.ints };
}

function initializer(spec: InitializerSpec): object {
  const type = spec.type ?? 'float';
  const values = Array.from(spec.values);
  const base = { name: spec.name, dims: spec.dims };
  if (type === 'int64') return { ...base, data_type: dataType.int64, int64_data: values };
  const width = type === 'double' ? 8 : 4;
  const code = type === 'double' ? dataType.double : dataType.float;
  if (!spec.raw) {
    return { ...base, data_type: code, [type === 'double' ? 'double_data' : 'float_data']: values };
  }
  const raw = new Uint8Array(values.length * width);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => (width === 8 ? view.setFloat64(i * 8, v, true) : view.setFloat32(i * 4, v, true)));
  return { ...base, data_type: code, raw_data: raw };
}
