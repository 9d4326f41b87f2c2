import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

test('a dataset read into a backend\'s memory keeps it: after collections, new tensors do not take it over', () => {
  // The backend takes back what it lent once the lending array is collected; the dataset (and
  // its slices) must keep that array. Run with --expose-gc in a child, to force collections.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const script = join(mkdtempSync(join(tmpdir(), 'glassbox-keep-')), 'keep.mts');
  writeFileSync(script, `
    import { createWasmBackend } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
    import { loadMnist } from ${JSON.stringify(join(root, 'cli', 'mnist-files.ts'))};
    const backend = await createWasmBackend({ threads: 1 });
    const digits = loadMnist('test', backend).slice(0, 2000);
    const copy = Uint8Array.from(digits.pixels);
    for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((resolve) => setTimeout(resolve, 20)); }
    const others = [];
    for (let i = 0; i < 8; i++) others.push(backend.alloc(2_000_000).fill(-1));
    let changed = 0;
    for (let i = 0; i < copy.length; i++) if (digits.pixels[i] !== copy[i]) changed++;
    console.log(JSON.stringify({ changed, kept: others.length }));
    backend.dispose();
  `);
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { cwd: root, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout.trim().split('\n').pop()!), { changed: 0, kept: 8 });
});
