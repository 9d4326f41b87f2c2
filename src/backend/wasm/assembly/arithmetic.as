// Elementwise arithmetic on float32: the bias add, the bias gradient's column sums, and the
// product used by dropout. Pointers are byte addresses; outputs may be the same array as an input.
import { highToFloat64, loadPartial, lowToFloat64, storePartial, toFloat32 } from './vector';

/** out[i, j] = a[i, j] + row[j], for a and out [rows, n]. */
export function addRowVector(out: usize, a: usize, row: usize, rows: i32, n: i32): void {
  for (let i = 0; i < rows; i++) {
    const start = <usize>i * n * 4;
    let j = 0;
    for (; j + 4 <= n; j += 4) addStep(out + start, a + start, row, <usize>j << 2, 4);
    if (j < n) addStep(out + start, a + start, row, <usize>j << 2, n - j);
  }
}

@inline function addStep(out: usize, a: usize, row: usize, at: usize, lanes: i32): void {
  storePartial(out + at, f32x4.add(loadPartial(a + at, lanes), loadPartial(row + at, lanes)), lanes);
}

/**
 * out[j] = Σ_i a[i, j], or out[j] += that sum when `accumulate`. The sums run in float64, rows in
 * order, as the reference's do, so the results agree to the last bit whatever cancels.
 */
export function sumRows(out: usize, a: usize, rows: i32, n: i32, accumulate: bool): void {
  let j = 0;
  for (; j + 16 <= n; j += 16) sumRowsSixteen(out, a, rows, n, <usize>j << 2, accumulate);
  for (; j + 4 <= n; j += 4) sumRowsStep(out, a, rows, n, <usize>j << 2, 4, accumulate);
  if (j < n) sumRowsStep(out, a, rows, n, <usize>j << 2, n - j, accumulate);
}

/**
 * sumRowsStep for sixteen columns at once: eight sums in flight instead of two, so that each
 * float64 addition need not wait for the one before it, and each row's 64 bytes are one cache
 * line read once (a bias's gradient over 128 × 512 took 16 µs four columns at a time).
 */
function sumRowsSixteen(out: usize, a: usize, rows: i32, n: i32, at: usize, accumulate: bool): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let s4 = f64x2.splat(0), s5 = f64x2.splat(0), s6 = f64x2.splat(0), s7 = f64x2.splat(0);
  const stride = <usize>n << 2;
  let row = a + at;
  for (let i = 0; i < rows; i++) {
    const v0 = v128.load(row), v1 = v128.load(row, 16), v2 = v128.load(row, 32), v3 = v128.load(row, 48);
    s0 = f64x2.add(s0, lowToFloat64(v0));
    s1 = f64x2.add(s1, highToFloat64(v0));
    s2 = f64x2.add(s2, lowToFloat64(v1));
    s3 = f64x2.add(s3, highToFloat64(v1));
    s4 = f64x2.add(s4, lowToFloat64(v2));
    s5 = f64x2.add(s5, highToFloat64(v2));
    s6 = f64x2.add(s6, lowToFloat64(v3));
    s7 = f64x2.add(s7, highToFloat64(v3));
    row += stride;
  }
  const to = out + at;
  if (accumulate) {
    // As sumRowsStep: what out held first, then the rows' sum.
    s0 = f64x2.add(lowToFloat64(v128.load(to)), s0);
    s1 = f64x2.add(highToFloat64(v128.load(to)), s1);
    s2 = f64x2.add(lowToFloat64(v128.load(to, 16)), s2);
    s3 = f64x2.add(highToFloat64(v128.load(to, 16)), s3);
    s4 = f64x2.add(lowToFloat64(v128.load(to, 32)), s4);
    s5 = f64x2.add(highToFloat64(v128.load(to, 32)), s5);
    s6 = f64x2.add(lowToFloat64(v128.load(to, 48)), s6);
    s7 = f64x2.add(highToFloat64(v128.load(to, 48)), s7);
  }
  v128.store(to, toFloat32(s0, s1));
  v128.store(to, toFloat32(s2, s3), 16);
  v128.store(to, toFloat32(s4, s5), 32);
  v128.store(to, toFloat32(s6, s7), 48);
}

@inline function sumRowsStep(out: usize, a: usize, rows: i32, n: i32, at: usize, lanes: i32, accumulate: bool): void {
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  for (let i = 0; i < rows; i++) {
    const v = loadPartial(a + <usize>i * n * 4 + at, lanes);
    low = f64x2.add(low, lowToFloat64(v));
    high = f64x2.add(high, highToFloat64(v));
  }
  if (accumulate) {
    const before = loadPartial(out + at, lanes);
    low = f64x2.add(lowToFloat64(before), low);
    high = f64x2.add(highToFloat64(before), high);
  }
  storePartial(out + at, toFloat32(low, high), lanes);
}

/** out = a ⊙ b. */
export function multiply(out: usize, a: usize, b: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) multiplyStep(out, a, b, <usize>i << 2, 4);
  if (i < count) multiplyStep(out, a, b, <usize>i << 2, count - i);
}

@inline function multiplyStep(out: usize, a: usize, b: usize, at: usize, lanes: i32): void {
  storePartial(out + at, f32x4.mul(loadPartial(a + at, lanes), loadPartial(b + at, lanes)), lanes);
}

/**
 * out[i] = pixels[i] / 255 for `count` bytes. Float32 division rounds each quotient once, to the
 * nearest float32, as the reference's float64 division and store do: b / 255 repeats b's eight
 * bits forever in binary, so no quotient lies near enough to a float32 halfway point for the
 * float64 rounding to move it (the backend tests check all 256). Sixteen pixels at a time;
 * sixteen zeros (most of a digit's background) skip the division.
 */
export function pixelsToFloats(out: usize, pixels: usize, count: i32): void {
  bytesToFloats(out, pixels, count);
}

/**
 * pixelsToFloats for a batch gathered from a dataset: row i of out [count, width] is image
 * rows[i] of `pixels` (width bytes each), scaled as pixelsToFloats does. Every cache line of
 * the batch's images is read once first, so that the processor fetches the scattered images
 * together rather than one after another as the conversion reaches them. Returns those bytes
 * or-ed together, so that no optimizer drops the reads.
 */
export function gatherPixels(out: usize, pixels: usize, rows: usize, count: i32, width: i32): i32 {
  let touched: i32 = 0;
  for (let i = 0; i < count; i++) {
    const image = pixels + <usize>load<i32>(rows + (<usize>i << 2)) * <usize>width;
    for (let p = 0; p < width; p += 64) touched |= <i32>load<u8>(image + <usize>p);
  }
  for (let i = 0; i < count; i++) {
    const image = pixels + <usize>load<i32>(rows + (<usize>i << 2)) * <usize>width;
    bytesToFloats(out + ((<usize>i * <usize>width) << 2), image, width);
  }
  return touched;
}

/** out[i] = pixels[i] / 255 for `count` bytes (see pixelsToFloats). */
@inline function bytesToFloats(out: usize, pixels: usize, count: i32): void {
  const scale = f32x4.splat(255);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const bytes = v128.load(pixels + <usize>i);
    const at = out + (<usize>i << 2);
    if (!v128.any_true(bytes)) {
      v128.store(at, zero);
      v128.store(at, zero, 16);
      v128.store(at, zero, 32);
      v128.store(at, zero, 48);
      continue;
    }
    const low = i16x8.extend_low_i8x16_u(bytes);
    const high = i16x8.extend_high_i8x16_u(bytes);
    v128.store(at, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(low)), scale));
    v128.store(at, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(low)), scale), 16);
    v128.store(at, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(high)), scale), 32);
    v128.store(at, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(high)), scale), 48);
  }
  for (; i < count; i++) store<f32>(out + (<usize>i << 2), <f32>load<u8>(pixels + <usize>i) / 255);
}
