import { dataType } from './onnx-schema.js';

/** The element types Glassbox writes: float weights, double for exact pixel sums, int64 indices. */
export type TensorProtoType = 'float' | 'double' | 'int64';

const widths = { float: 4, double: 8, int64: 8 } as const;

/** A TensorProto as Glassbox writes it (protobufjs's plain-object form). */
export interface TensorObject {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

/**
 * A constant tensor as ONNX's TensorProto wants it: the values as little-endian bytes in
 * raw_data, `width` bytes each, the form every runtime reads fastest.
 */
export function tensorProto(
  name: string, dims: number[], type: TensorProtoType, values: ArrayLike<number>,
): TensorObject {
  const width = widths[type];
  const raw = new Uint8Array(values.length * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    if (type === 'float') view.setFloat32(i * width, values[i], true);
    else if (type === 'double') view.setFloat64(i * width, values[i], true);
    else view.setBigInt64(i * width, BigInt(values[i]), true);
  }
  return { name, dims, data_type: dataType[type], raw_data: raw };
}
