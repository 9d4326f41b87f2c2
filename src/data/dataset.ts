import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';

/**
 * Labelled examples that training reads a batch at a time. A dataset keeps its examples in
 * whatever form is compact (MNIST keeps bytes) and converts only the batch asked for.
 */
export interface Dataset {
  readonly length: number;
  /** Numbers per example (784 for MNIST). */
  readonly inputSize: number;
  /** Number of classes; targets are one-hot rows of this width. */
  readonly classes: number;
  /** The class of example i. */
  label(i: number): number;
  /**
   * Writes examples `indices[start .. start + x.rows)` into x [rows, inputSize], their one-hot
   * targets into target [rows, classes], and their labels into labels[0 .. rows). `backend`, when
   * given, is the one x lives on: a dataset may convert the batch with its kernels (ImageDataset
   * scales its bytes with pixelsToFloats), with the same result as without.
   */
  fillBatch(
    indices: Int32Array, start: number, x: Tensor, target: Tensor, labels: Int32Array, backend?: Backend,
  ): void;
  /**
   * Optional: says that fillBatch(indices, start, x, …, backend) comes next for this x, which
   * nothing touches until then, so that the dataset may start filling x in the background
   * (ImageDataset does, through backend.pixelsToFloatsAhead). The result is the same either way.
   */
  fillBatchAhead?(indices: Int32Array, start: number, x: Tensor, backend: Backend): void;
}

/** Writes one-hot rows: target[i, labels[i]] = 1, every other entry 0. */
export function fillOneHot(target: Tensor, labels: Int32Array, rows: number): void {
  const classes = target.columns;
  const data = target.data;
  // A loop, not fill(0): on a shared WebAssembly memory's arrays fill takes a slow path.
  for (let i = 0; i < rows * classes; i++) data[i] = 0;
  for (let i = 0; i < rows; i++) data[i * classes + labels[i]] = 1;
}
