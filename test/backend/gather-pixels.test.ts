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
