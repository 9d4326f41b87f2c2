import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { Tensor } from '../../src/index.js';
import { onnxInputName, onnxOutputName } from '../../src/onnx/index.js';

/** Runs ONNX bytes in onnxruntime on x [batch, features]; returns the output's values. */
export async function runOnnxRuntime(bytes: Uint8Array, x: Tensor, input = onnxInputName,
  output = onnxOutputName, dims: number[] = [...x.shape]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ [input]: new ort.Tensor('float32', Float32Array.from(x.data), dims) });
  return result[output].data as Float32Array;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
