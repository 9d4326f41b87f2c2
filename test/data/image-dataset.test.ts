import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, ImageDataset, Random, ReferenceBackend, Tensor, type Backend } from '../../src/index.js';

/** `count` images of `size` bytes, mostly background with a few inked runs, and their labels. */
function images(count: number, size: number, seed: number): { pixels: Uint8Array; labels: Uint8Array } {
  const random = new Random(seed);
  const pixels = new Uint8Array(count * size);
  for (let i = 0; i < pixels.length; i++) if (random.next() < 0.2) pixels[i] = 1 + random.int(255);
  pixels[size - 1] = 255;
  const labels = Uint8Array.from({ length: count }, () => random.int(10));
  return { pixels, labels };
}

function filled(dataset: ImageDataset, order: number[]): { x: Float32Array; target: Float32Array; labels: Int32Array } {
  const rows = order.length;
  // Stale values in the buffers, as a reused batch holds: fillBatch must overwrite all of them.
  const x = new Tensor([rows, dataset.inputSize], new Float32Array(rows * dataset.inputSize).fill(7));
  const target = new Tensor([rows, 10], new Float32Array(rows * 10).fill(7));
  const labels = new Int32Array(rows);
  dataset.fillBatch(Int32Array.from([99, ...order]), 1, x, target, labels);
  return { x: x.data as Float32Array, target: target.data as Float32Array, labels };
}

for (const [size, offset] of [[784, 0], [784, 1], [7, 0]] as const) {
  test(`ImageDataset.fillBatch(indices, start, x, target, labels) writes byte / 255 for images of ${size} bytes at byte offset ${offset}`, () => {
    const { pixels, labels } = images(20, size, size + offset);
    const buffer = new Uint8Array(pixels.length + offset);
    buffer.set(pixels, offset);
    const dataset = new ImageDataset(buffer.subarray(offset), labels, size);
    const order = [5, 0, 19, 5];
    const batch = filled(dataset, order);
    order.forEach((example, row) => {
      for (let p = 0; p < size; p++) {
        assert.equal(batch.x[row * size + p], Math.fround(pixels[example * size + p] / 255), `row ${row}, pixel ${p}`);
      }
      assert.equal(batch.labels[row], labels[example]);
      for (let c = 0; c < 10; c++) assert.equal(batch.target[row * 10 + c], c === labels[example] ? 1 : 0);
    });
  });
}

/**
 * Fills batches of the first `rows` entries of `order` from `dataset` with `backend`, into
 * buffers holding stale values, and checks them against `expected` (filled without a backend).
 */
function assertFillsThrough(
  dataset: ImageDataset, backend: Backend, order: Int32Array, rowCounts: number[], expected: ReturnType<typeof filled>,
): void {
  const size = dataset.inputSize;
  for (const rows of rowCounts) {
    const x = new Tensor([rows, size], backend.alloc(rows * size).fill(7));
    const target = new Tensor([rows, 10], backend.alloc(rows * 10).fill(7));
    const batchLabels = new Int32Array(rows);
    dataset.fillBatch(order, 0, x, target, batchLabels, backend);
    assert.deepEqual(
      Array.from(x.data), Array.from(expected.x.subarray(0, rows * size)), `${backend.name}, ${x.data.constructor.name}, ${rows} rows`,
    );
    assert.deepEqual(Array.from(target.data), Array.from(expected.target.subarray(0, rows * 10)));
    assert.deepEqual(Array.from(batchLabels), Array.from(expected.labels.subarray(0, rows)));
  }
}

/**
 * 40 digit-sized images from `seed`, a dataset of them, a shuffled order with a repeat, and the
 * batch filled without a backend: what the tests below fill through a backend and compare with.
 */
function digitsAndExpectedBatch(seed: number) {
  const size = 784;
  const { pixels, labels } = images(40, size, seed);
  const dataset = new ImageDataset(pixels, labels, size);
  const order = Int32Array.from([3, 39, 0, 17, 3, 22, 8, 31, 12, 5, 26]);
  return { size, pixels, labels, dataset, order, expected: filled(dataset, Array.from(order)) };
}

test('ImageDataset.fillBatch(..., backend) converts the batch with the backend\'s pixelsToFloats, to the same floats', async () => {
  const { dataset, order, expected } = digitsAndExpectedBatch(5);
  const wasm = await createWasmBackend({ threads: 1 });
  // A float64 batch (the reference's other precision) keeps the float32 values it held before.
  const float64 = new ReferenceBackend({ precision: 'float64' });
  for (const backend of [new ReferenceBackend(), float64, wasm] as Backend[]) {
    // Twice: the second batch is smaller and reuses the bytes gathered in the backend's memory.
    assertFillsThrough(dataset, backend, order, [order.length, 4], expected);
  }
  wasm.dispose();
});

test('ImageDataset.fillBatch(..., backend) gathers from pixels in that backend\'s memory, to the same floats', async () => {
  const { size, pixels, labels, order, expected } = digitsAndExpectedBatch(9);
  const wasm = await createWasmBackend({ threads: 1 });
  for (const backend of [new ReferenceBackend(), wasm] as Backend[]) {
    const floats = backend.alloc(pixels.length / 4);
    const inside = new Uint8Array(floats.buffer, floats.byteOffset, pixels.length);
    inside.set(pixels);
    const dataset = new ImageDataset(inside, labels, size, 10, { backend, memory: floats });
    assert.equal(dataset.slice(0, 10).backend, backend, 'a slice keeps the backend');
    // A small batch, a larger one (the backend's room for the rows grows), then small again.
    assertFillsThrough(dataset, backend, order, [4, order.length, 4], expected);
  }
  wasm.dispose();
});
