import type { Tensor } from '../tensor.js';
import { sameShape } from '../tensor.js';

/**
 * Shape checks shared by every backend, so that all of them reject the same mistakes with the
 * same words. Each throws a RangeError that names the kernel and the shapes.
 */

export function describe(t: Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/**
 * The tensors must all have one shape. Two to four tensors, named rather than gathered into an
 * array, because kernels check on every call and training allocates nothing per batch.
 */
export function checkSameShape(kernel: string, a: Tensor, b: Tensor, c?: Tensor, d?: Tensor): void {
  if (
    sameShape(a.shape, b.shape) && (c === undefined || sameShape(a.shape, c.shape)) &&
    (d === undefined || sameShape(a.shape, d.shape))
  ) {
    return;
  }
  const tensors = [a, b, c, d].filter((t) => t !== undefined);
  throw new RangeError(`${kernel}: shapes differ: ${tensors.map(describe).join(' vs ')}`);
}

/** The tensor must be 2-D. */
export function checkMatrix(kernel: string, name: string, t: Tensor): void {
  if (t.shape.length !== 2) {
    throw new RangeError(`${kernel}: ${name} must be 2-D [rows, columns], got ${describe(t)}`);
  }
}

/** A loss kernel's `loss`: a Float64Array with room for the batch mean in loss[0]. */
export function checkLossSlot(kernel: string, loss: Float64Array): void {
  if (!(loss instanceof Float64Array) || loss.length < 1) {
    const given: unknown = loss;
    // "[object Float32Array]" → "Float32Array"
    const got = given instanceof Float64Array ? 'an empty one' : Object.prototype.toString.call(given).slice(8, -1);
    throw new RangeError(`${kernel}: loss must be a Float64Array of at least one element, got ${got}`);
  }
}

/** Dimensions of out = op(a)·op(b), checked: returns [m, n, k]. */
export function matmulDimensions(
  out: Tensor, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean,
): [number, number, number] {
  checkMatmul(out, a, b, transposeA, transposeB);
  return [out.shape[0], out.shape[1], transposeA ? a.shape[0] : a.shape[1]];
}

/**
 * Checks that out = op(a)·op(b) fits: all 2-D, op(a) [m, k], op(b) [k, n], out [m, n], and out
 * sharing no memory with a or b. Then m and n are out's shape, and k is op(a)'s columns.
 */
export function checkMatmul(out: Tensor, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): void {
  checkMatrix('matmul', 'out', out);
  checkMatrix('matmul', 'a', a);
  checkMatrix('matmul', 'b', b);
  const m = transposeA ? a.shape[1] : a.shape[0];
  const k = transposeA ? a.shape[0] : a.shape[1];
  const kb = transposeB ? b.shape[1] : b.shape[0];
  const n = transposeB ? b.shape[0] : b.shape[1];
  if (k !== kb || out.shape[0] !== m || out.shape[1] !== n) {
    throw new RangeError(
      `matmul: cannot multiply ${describe(a)}${transposeA ? 'ᵀ' : ''} by ` +
        `${describe(b)}${transposeB ? 'ᵀ' : ''} into ${describe(out)}`,
    );
  }
  if (out.data.buffer === a.data.buffer || out.data.buffer === b.data.buffer) {
    if (overlaps(out, a) || overlaps(out, b)) {
      throw new RangeError('matmul: out must not share memory with a or b');
    }
  }
}

/** A row vector [n] to add to or sum from a matrix [rows, n]. */
export function checkRowVector(kernel: string, matrix: Tensor, row: Tensor): void {
  checkMatrix(kernel, 'matrix', matrix);
  if (row.size !== matrix.shape[1]) {
    throw new RangeError(`${kernel}: row ${describe(row)} does not fit matrix ${describe(matrix)}`);
  }
}

/** Images for deskew: x and y [rows, width·height], distinct memory. */
export function checkDeskew(y: Tensor, x: Tensor, width: number, height: number): void {
  checkMatrix('deskew', 'x', x);
  checkSameShape('deskew', y, x);
  const whole = Number.isInteger(width) && width >= 1 && Number.isInteger(height) && height >= 1;
  if (!whole || x.shape[1] !== width * height) {
    throw new RangeError(`deskew: x ${describe(x)} does not hold images of ${width}×${height} pixels`);
  }
  if (y.data.buffer === x.data.buffer && overlaps(y, x)) {
    throw new RangeError('deskew: y must not share memory with x');
  }
}

/**
 * Bytes for pixelsToFloats: a Uint8Array of at least out.size bytes; or, gathering `rows` from
 * `first` on into out [count, width], a whole number of images of width bytes, and `count`
 * rows that each name one of them.
 */
export function checkPixels(out: Tensor, pixels: Uint8Array, rows?: Int32Array, first = 0): void {
  if (!(pixels instanceof Uint8Array)) throw new RangeError('pixelsToFloats: pixels must be a Uint8Array');
  if (rows === undefined) {
    if (pixels.length < out.size) {
      throw new RangeError(`pixelsToFloats: pixels must hold ${out.size} bytes for out ${describe(out)}, got ${pixels.length}`);
    }
    return;
  }
  checkMatrix('pixelsToFloats', 'out', out);
  const count = out.shape[0];
  const width = out.shape[1];
  const images = Math.floor(pixels.length / width);
  if (!(rows instanceof Int32Array) || !Number.isInteger(first) || first < 0 || first + count > rows.length) {
    throw new RangeError(`pixelsToFloats: rows must be an Int32Array holding ${count} rows from ${first}`);
  }
  for (let i = first; i < first + count; i++) {
    if (rows[i] < 0 || rows[i] >= images) {
      throw new RangeError(`pixelsToFloats: rows[${i}] is ${rows[i]}, but pixels hold ${images} images of ${width} bytes`);
    }
  }
}

function overlaps(x: Tensor, y: Tensor): boolean {
  const xStart = x.data.byteOffset;
  const yStart = y.data.byteOffset;
  return xStart < yStart + y.data.byteLength && yStart < xStart + x.data.byteLength;
}
