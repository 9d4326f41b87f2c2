import { dataType, dataTypeNames, toNumber, type OnnxTensor } from './onnx-schema.js';

/** A constant tensor's values, read and checked. */
export interface TensorValues {
  dims: number[];
  values: Float32Array;
}

/** Reports a problem with the tensor being read; throws. */
export type Fail = (problem: string) => never;

/** The largest dimension accepted; as in the model file, no real MLP comes near it. */
export const maxDimension = 1 << 24;

/**
 * A float (or double) tensor's values as float32. The dimensions are checked and the element
 * count is compared with the values present before anything is allocated, so a tensor that
 * declares billions of elements fails at once.
 */
export function readFloats(tensor: OnnxTensor, fail: Fail): TensorValues {
  const dims = readDims(tensor, fail);
  const count = dims.reduce((product, d) => product * d, 1);
  const type = tensor.data_type;
  if (type === dataType.float) {
    return { dims, values: floatsFrom(tensor.raw_data, tensor.float_data, count, 4, fail) };
  }
  if (type === dataType.double) {
    return { dims, values: floatsFrom(tensor.raw_data, tensor.double_data, count, 8, fail) };
  }
  return fail(`has data type ${typeName(type)}; Glassbox reads float weights`);
}

/** An integer tensor's values (int64 or int32), such as Reshape's target shape. */
export function readIntegers(tensor: OnnxTensor, fail: Fail): number[] {
  const dims = readDims(tensor, fail);
  const count = dims.reduce((product, d) => product * d, 1);
  const raw = tensor.raw_data;
  const type = tensor.data_type;
  if (type !== dataType.int64 && type !== dataType.int32) {
    return fail(`has data type ${typeName(type)}; expected int64`);
  }
  const width = type === dataType.int64 ? 8 : 4;
  if (raw.length > 0) {
    if (raw.length !== count * width) {
      fail(`declares ${count} values in [${dims.join(', ')}], but raw_data holds ` +
        `${raw.length} bytes`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values: number[] = [];
    for (let i = 0; i < count; i++) {
      values.push(width === 8 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true));
    }
    return values;
  }
  const list = type === dataType.int64 ? tensor.int64_data.map(toNumber) : tensor.int32_data;
  if (list.length !== count) {
    fail(`declares ${count} values in [${dims.join(', ')}], but holds ${list.length}`);
  }
  return list;
}

function readDims(tensor: OnnxTensor, fail: Fail): number[] {
  if (tensor.data_location === 1 || tensor.external_data.length > 0) {
    fail('keeps its values in an external file; save the ONNX model with its weights inside');
  }
  const dims = tensor.dims.map(toNumber);
  if (dims.length > 8) fail(`has ${dims.length} dimensions; expected at most 8`);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > maxDimension) {
      fail(`has dimensions [${dims.join(', ')}]; each must be a whole number from 0 to ` +
        `${maxDimension}`);
    }
  }
  return dims;
}

/**
 * Values from raw_data (little-endian, `width` bytes each) or from the typed list, whichever is
 * present. The count must match the dimensions exactly before the result is allocated.
 */
function floatsFrom(
  raw: Uint8Array, list: number[], count: number, width: 4 | 8, fail: Fail,
): Float32Array {
  if (raw.length > 0) {
    if (raw.length !== count * width) {
      fail(`declares ${count} values, but raw_data holds ${raw.length} bytes (${width} a value)`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      values[i] = width === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
    }
    return values;
  }
  if (list.length !== count) fail(`declares ${count} values, but holds ${list.length}`);
  return Float32Array.from(list);
}

function typeName(type: number): string {
  const name = dataTypeNames[type];
  return name === undefined ? `${type} (unknown)` : `${name} (${type})`;
}
