// Elementwise arithmetic on float32: the bias add, the bias gradient's column sums, and the
// product used by dropout. Pointers are byte addresses; outputs may be the same array as an input.
import { loadPartial, storePartial } from './vector';

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

/** out[j] = Σ_i a[i, j], or out[j] += that sum when `accumulate`; the rows are added in order. */
export function sumRows(out: usize, a: usize, rows: i32, n: i32, accumulate: bool): void {
  for (let j = 0; j < n; j += 4) {
    const at = <usize>j << 2;
    let sum = f32x4.splat(0);
    for (let i = 0; i < rows; i++) sum = f32x4.add(sum, loadPartial(a + <usize>i * n * 4 + at, n - j));
    if (accumulate) sum = f32x4.add(loadPartial(out + at, n - j), sum);
    storePartial(out + at, sum, n - j);
  }
}

/** out = a ⊙ b. */
export function multiply(out: usize, a: usize, b: usize, count: i32): void {
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    storePartial(out + at, f32x4.mul(loadPartial(a + at, count - i), loadPartial(b + at, count - i)), count - i);
  }
}
