// pixelsToFloats with rows: a batch gathered from a dataset's images, on every backend, against
// the reference (ImageDataset.fillBatch takes this path when the pixels lie in the backend's
// memory: see loadMnistFiles in cli/mnist-files.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, type Backend } from '../../src/index.js';
import { backends, label, reference } from './backends.js';

/** `images` images of `width` bytes holding every byte value, with runs of zeros, in `backend`'s memory or not. */
function pixelsOn(backend: Backend | undefined, images: number, width: number, seed: number): Uint8Array {
  const count = images * width;
  const bytes = backend === undefined
    ? new Uint8Array(count)
    : (() => { const floats = backend.alloc(Math.ceil(count / 4)); return new Uint8Array(floats.buffer, floats.byteOffset, count); })();
  for (let i = 0; i < count; i++) bytes[i] = (i >> 4) % 3 === 0 ? 0 : (i * 37 + seed) & 255;
  return bytes;
}

function gathered(backend: Backend, pixels: Uint8Array, width: number, rows: Int32Array, first: number, count: number): number[] {
  const out = new Tensor([count, width], backend.alloc(count * width).fill(7));
  backend.pixelsToFloats(out, pixels, rows, first);
  return Array.from(out.data);
}

for (const backend of backends) {
  test(`pixelsToFloats gathers rows of images as the reference does (${label(backend)})`, () => {
    for (const [images, width] of [[5, 1], [7, 3], [9, 17], [40, 784], [6, 785]] as const) {
      // Repeats, the first and last image, and a start past the first entries.
      const rows = Int32Array.from([99, 99, images - 1, 0, 2 % images, images - 1, 1 % images, 0]);
      for (const inside of [true, false]) {
        const pixels = pixelsOn(inside ? backend : undefined, images, width, width);
        const expected = gathered(reference, pixels, width, rows.map((r) => (r === 99 ? 0 : r)), 2, rows.length - 2);
        assert.deepEqual(
          gathered(backend, pixels, width, rows, 2, rows.length - 2), expected,
          `${images} images of ${width} bytes, pixels ${inside ? 'in' : 'outside'} the backend's memory`,
        );
      }
    }
  });

  test(`pixelsToFloats gathers training batches of 64 digits, call after call, as the reference does (${label(backend)})`, () => {
    // Large enough for threads to share (THREADED_GATHER in wasm-backend.ts), and called often
    // enough for a backend with threads to time the shared way and the one-thread way.
    const images = 300;
    const width = 784;
    const pixels = pixelsOn(backend, images, width, 11);
    const order = Int32Array.from({ length: images }, (_, i) => (i * 97 + 13) % images);
    for (let call = 0; call < 12; call++) {
      const first = (call * 53) % (images - 64);
      assert.deepEqual(
        gathered(backend, pixels, width, order, first, 64), gathered(reference, pixels, width, order, first, 64),
        `call ${call}`,
      );
    }
  });

  test(`pixelsToFloats refuses rows that name no image, or too few rows (${label(backend)})`, () => {
    const pixels = pixelsOn(backend, 4, 3, 1);
    const out = new Tensor([2, 3], backend.alloc(6));
    assert.throws(() => backend.pixelsToFloats(out, pixels, Int32Array.from([0, 4])), /rows\[1\] is 4, but pixels hold 4 images of 3 bytes/);
    assert.throws(() => backend.pixelsToFloats(out, pixels, Int32Array.from([-1, 0])), /rows\[0\] is -1/);
    assert.throws(() => backend.pixelsToFloats(out, pixels, Int32Array.from([0, 1]), 1), /rows must be an Int32Array holding 2 rows from 1/);
    assert.throws(() => backend.pixelsToFloats(new Tensor([6], backend.alloc(6)), pixels, Int32Array.from([0])), RangeError);
  });
}

for (const backend of backends) {
  test(`pixelsToFloatsAhead, then pixelsToFloats with the same arguments, gives what pixelsToFloats alone gives, with other work between (${label(backend)})`, () => {
    // As training does: the next batch posted ahead after the forward pass, into the other of
    // two buffers, then products (shared on 2 threads, which wait for the gather first) and a
    // fresh allocation (which may reuse memory: it waits too), then the call that takes it.
    const images = 300;
    const width = 784;
    const pixels = pixelsOn(backend, images, width, 5);
    const order = Int32Array.from({ length: images }, (_, i) => (i * 61 + 7) % images);
    const buffers = [0, 1].map(() => new Tensor([64, width], backend.alloc(64 * width).fill(7)));
    const a = new Tensor([64, width], backend.alloc(64 * width).fill(0.5));
    const b = new Tensor([128, width], backend.alloc(128 * width).fill(0.25));
    const z = new Tensor([64, 128], backend.alloc(64 * 128));
    for (let call = 0; call < 12; call++) {
      const first = (call * 41) % (images - 64);
      const out = buffers[call % 2];
      backend.pixelsToFloatsAhead(out, pixels, order, first);
      backend.matmul(z, a, b, false, true);
      if (call % 3 === 0) backend.alloc(1000 + call);
      backend.pixelsToFloats(out, pixels, order, first);
      assert.deepEqual(Array.from(out.data), gathered(reference, pixels, width, order, first, 64), `call ${call}`);
    }
  });

  test(`pixelsToFloats does its own work when it is not the call posted ahead (${label(backend)})`, () => {
    const images = 200;
    const width = 784;
    const pixels = pixelsOn(backend, images, width, 9);
    const order = Int32Array.from({ length: images }, (_, i) => (i * 37 + 3) % images);
    const out = new Tensor([64, width], backend.alloc(64 * width));
    const other = new Tensor([64, width], backend.alloc(64 * width));
    // Other rows into the same place.
    backend.pixelsToFloatsAhead(out, pixels, order, 0);
    backend.pixelsToFloats(out, pixels, order, 1);
    assert.deepEqual(Array.from(out.data), gathered(reference, pixels, width, order, 1, 64), 'other rows');
    // The same rows into another place, then the call posted ahead, which no longer counts as done.
    backend.pixelsToFloatsAhead(out, pixels, order, 100);
    backend.pixelsToFloats(other, pixels, order, 100);
    assert.deepEqual(Array.from(other.data), gathered(reference, pixels, width, order, 100, 64), 'another place');
    out.data.fill(3);
    backend.pixelsToFloats(out, pixels, order, 100);
    assert.deepEqual(Array.from(out.data), gathered(reference, pixels, width, order, 100, 64), 'after another call');
    // Another call first, then the call posted ahead, made from the same numbers in another
    // array: it does its own work, and gets the same.
    backend.pixelsToFloatsAhead(out, pixels, order, 50);
    backend.pixelsToFloats(other, pixels, order.slice(), 20);
    backend.pixelsToFloats(out, pixels, order.slice(), 50);
    assert.deepEqual(Array.from(out.data), gathered(reference, pixels, width, order, 50, 64), 'a copy of the rows');
  });

  test(`pixelsToFloatsAhead refuses what pixelsToFloats refuses (${label(backend)})`, () => {
    const pixels = pixelsOn(backend, 4, 3, 1);
    const out = new Tensor([2, 3], backend.alloc(6));
    assert.throws(() => backend.pixelsToFloatsAhead(out, pixels, Int32Array.from([0, 4])), /rows\[1\] is 4, but pixels hold 4 images of 3 bytes/);
    assert.throws(() => backend.pixelsToFloatsAhead(out, pixels, Int32Array.from([0, 1]), 1), /rows must be an Int32Array holding 2 rows from 1/);
  });
}
