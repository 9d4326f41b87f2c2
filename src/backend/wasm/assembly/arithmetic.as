// Elementwise arithmetic on float32: the bias add, the bias gradient's column sums, and the
// product used by dropout. Pointers are byte addresses; outputs may be the same array as an input.
import { loadPair, loadPartial, storePair, storePartial } from './vector';

/** out[i, j] = a[i, j] + row[j], for a and out [rows, n]. */
export function addRowVector(out: usize, a: usize, row: usize, rows: i32, n: i32): void {
  for (let i = 0; i < rows; i++) {
    const start = <usize>i * n * 4;
    for (let j = 0; j < n; j += 4) {
      const at = <usize>j << 2;
      const v = f32x4.add(loadPartial(a + start + at, n - j), loadPartial(row + at, n - j));
      storePartial(out + start + at, v, n - j);
    }
  }
}

/**
 * out[j] = Σ_i a[i, j], or out[j] += that sum when `accumulate`. The sums run in float64, rows in
 * order, as the reference's do, so the results agree to the last bit whatever cancels.
 */
export function sumRows(out: usize, a: usize, rows: i32, n: i32, accumulate: bool): void {
  for (let j = 0; j < n; j += 2) {
    const at = <usize>j << 2;
    const pair = n - j >= 2;
    let sum = f64x2.splat(0);
    for (let i = 0; i < rows; i++) sum = f64x2.add(sum, loadPair(a + <usize>i * n * 4 + at, pair));
    if (accumulate) sum = f64x2.add(loadPair(out + at, pair), sum);
    storePair(out + at, sum, pair);
  }
}

/** out = a ⊙ b. */
export function multiply(out: usize, a: usize, b: usize, count: i32): void {
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    storePartial(out + at, f32x4.mul(loadPartial(a + at, count - i), loadPartial(b + at, count - i)), count - i);
  }
}
