import { Random, Tensor } from '../../src/index.js';

/** A random batch: inputs in [-1, 1) and one-hot targets, drawn from `seed`. */
export function randomBatch(rows: number, inputs: number, classes: number, seed = 7): { x: Tensor; target: Tensor } {
  const random = new Random(seed);
  const x = new Tensor([rows, inputs], new Float32Array(rows * inputs).map(() => 2 * random.next() - 1));
  const target = new Tensor([rows, classes], new Float32Array(rows * classes));
  for (let i = 0; i < rows; i++) target.data[i * classes + random.int(classes)] = 1;
  return { x, target };
}
