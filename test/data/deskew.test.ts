import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deskewImage, decodeModel, encodeModel, gradientCheck, Network, Tensor } from '../../src/index.js';
import { randomBatch } from '../helpers/batch.js';

/** A 28×28 stroke from (top, topX) to (bottom, bottomX), three pixels wide. */
function stroke(topX: number, bottomX: number): Float32Array {
  const image = new Float32Array(784);
  for (let y = 4; y < 24; y++) {
    const x = Math.round(topX + ((bottomX - topX) * (y - 4)) / 19);
    for (let dx = -1; dx <= 1; dx++) image[y * 28 + x + dx] = 1;
  }
  return image;
}

/** How far the ink's mean x moves per row: 0 for an upright stroke. */
function lean(image: Float32Array): number {
  const rows: [number, number][] = [];
  for (let y = 0; y < 28; y++) {
    let mass = 0;
    let sum = 0;
    for (let x = 0; x < 28; x++) {
      mass += image[y * 28 + x];
      sum += image[y * 28 + x] * x;
    }
    if (mass > 0) rows.push([y, sum / mass]);
  }
  const meanY = rows.reduce((a, [y]) => a + y, 0) / rows.length;
  const meanX = rows.reduce((a, [, x]) => a + x, 0) / rows.length;
  const cov = rows.reduce((a, [y, x]) => a + (y - meanY) * (x - meanX), 0);
  return cov / rows.reduce((a, [y]) => a + (y - meanY) ** 2, 0);
}

test('deskewImage(out, image) stands a slanted stroke upright', () => {
  const slanted = stroke(20, 8);
  assert.ok(Math.abs(lean(slanted)) > 0.5);
  const out = new Float32Array(784);
  deskewImage(out, slanted, 28, 28);
  assert.ok(Math.abs(lean(out)) < 0.05, `lean after ${lean(out)}`);
  const ink = (image: Float32Array) => image.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(ink(out) - ink(slanted)) / ink(slanted) < 0.05, 'ink is kept');
});

test('deskewImage(out, image) leaves upright and empty images as they are', () => {
  const upright = stroke(14, 14);
  const out = new Float32Array(784);
  deskewImage(out, upright, 28, 28);
  assert.deepEqual(out, upright);
  deskewImage(out, new Float32Array(784), 28, 28);
  assert.ok(out.every((v) => v === 0));
});

test('a network with a Deskew layer trains through it, checks its gradients and saves it', () => {
  const network = Network.perceptron([784, 6, 3], 'sigmoid', 'sigmoid', { seed: 2, deskew: { width: 28, height: 28 } });
  assert.equal(String(network), 'Network(Deskew(28×28) → Dense(784→6) → Sigmoid → Dense(6→3) → Sigmoid)');
  const batch = randomBatch(2, 784, 3);
  const result = gradientCheck(network, batch, { samplesPerParam: 20 });
  assert.ok(result.maxRelativeError < 1e-6, JSON.stringify(result.params));
  const copy = decodeModel(encodeModel(network)).network;
  assert.deepEqual(copy.specs(), network.specs());
  assert.deepEqual(copy.forward(batch.x).data, network.forward(batch.x).data);
  // The video's input layer shows what the weights see: the straightened image.
  const image = new Tensor([1, 784], stroke(20, 8));
  network.forward(image);
  assert.ok(Math.abs(lean(network.neuronLayers()[0].activation!.data as Float32Array)) < 0.05);
});
