import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWasmBackend, GlassboxError } from '../../src/index.js';
import { loadMnist, loadMnistFiles } from '../../cli/mnist-files.js';

test('loadMnist(split, backend) reads the images into the backend\'s memory, the same bytes and labels', async () => {
  const backend = await createWasmBackend({ threads: 1 });
  const plain = loadMnist('test');
  const inside = loadMnist('test', backend);
  assert.equal(inside.backend, backend);
  assert.equal(plain.backend, undefined);
  assert.equal(inside.pixels.buffer, backend.alloc(1).buffer, 'the pixels lie in the backend\'s memory');
  assert.deepEqual(inside.pixels, plain.pixels);
  assert.deepEqual(inside.labels, plain.labels);
  backend.dispose();
});

test('loadMnistFiles(..., backend) names the file that cannot be read or ends early', async () => {
  const backend = await createWasmBackend({ threads: 1 });
  const folder = mkdtempSync(join(tmpdir(), 'glassbox-mnist-'));
  const missing = join(folder, 'missing-images');
  assert.throws(() => loadMnistFiles(missing, missing, backend), (error: unknown) =>
    error instanceof GlassboxError && error.message.includes(missing) && error.message.includes('no such file'));
  // An image file cut short: its header promises 2 images of 28 × 28.
  const images = join(folder, 'images');
  const header = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
  writeFileSync(images, Buffer.concat([header, new Uint8Array(100)]));
  const labels = join(folder, 'labels');
  writeFileSync(labels, Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]));
  assert.throws(() => loadMnistFiles(images, labels, backend), (error: unknown) =>
    error instanceof GlassboxError && error.message.includes(images));
  backend.dispose();
});
