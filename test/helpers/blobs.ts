import { ImageDataset, Random } from '../../src/index.js';

/**
 * A small image dataset with learnable structure: each class lights up its own band of pixels,
 * with noise. Enough to train on in milliseconds without MNIST.
 */
export function blobDataset(count: number, inputSize = 64, classes = 4, seed = 1): ImageDataset {
  const random = new Random(seed);
  const pixels = new Uint8Array(count * inputSize);
  const labels = new Uint8Array(count);
  const band = Math.floor(inputSize / classes);
  for (let i = 0; i < count; i++) {
    const label = random.int(classes);
    labels[i] = label;
    for (let p = 0; p < inputSize; p++) {
      const inBand = p >= label * band && p < (label + 1) * band;
      pixels[i * inputSize + p] = Math.min(255, Math.floor((inBand ? 120 : 0) + random.next() * 100));
    }
  }
  return new ImageDataset(pixels, labels, inputSize, classes);
}
