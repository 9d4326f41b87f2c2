// The matrix kernel for small products (a few thousand multiply-adds, like the video network's
// 16×16 layers), where packing panels and listing zeros cost more than the arithmetic: op(B) is
// copied once into a plain [k, n] block, and each row of C is computed 16 columns at a time.
import { loadSums, madd, storeSums } from './vector';

/** Products of at most this many multiply-adds go through matmulSmall. */
export const SMALL_WORK: i64 = 8192;

/** Columns of the copied op(B) per row: n rounded up to 16, so that tiles read whole vectors. */
@inline function paddedWidth(n: i32): i32 {
  return (n + 15) & ~15;
}

/**
 * out = op(a)·op(b), or out += op(a)·op(b) when `accumulate`, for rows [i0, i1) and columns
 * [j0, j1) of out [m, n], with op(a) [m, k] and op(b) [k, n] row-major (transposed as stored when
 * asked). `scratch` holds at least k·(n + 15)·4 bytes (matmul's scratch does, for products of at
 * most SMALL_WORK multiply-adds). Each element's sum runs over every depth in increasing order,
 * from 0 or from out + 0, as matmul's does, so the bits are the same as matmul's.
 */
export function matmulSmall(
  c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  accumulate: bool, scratch: usize, i0: i32, i1: i32, j0: i32, j1: i32,
): void {
  const width = paddedWidth(n);
  const rowBytes = <usize>width << 2;
  // op(b) as a plain [k, width] block, zero past column n.
  for (let p = 0; p < k; p++) {
    const row = scratch + <usize>p * rowBytes;
    for (let j = 0; j < width; j++) {
      let value: f32 = 0;
      if (j < n) value = transB ? load<f32>(b + ((<usize>j * k + p) << 2)) : load<f32>(b + ((<usize>p * n + j) << 2));
      store<f32>(row + (<usize>j << 2), value);
    }
  }
  // Where op(a)[i, p] lives: a[i, p], or a[p, i] when transposed.
  const rowStep: usize = transA ? 4 : <usize>k << 2;
  const depthStep: usize = transA ? <usize>m << 2 : 4;
  for (let i = i0; i < i1; i++) {
    const aRow = a + <usize>i * rowStep;
    const cRow = c + ((<usize>i * n) << 2);
    for (let j = j0; j < j1; j += 16) {
      const cols = min(16, j1 - j);
      const at = cRow + (<usize>j << 2);
      let c0 = loadSums(at, 0, cols, accumulate), c1 = loadSums(at, 1, cols, accumulate);
      let c2 = loadSums(at, 2, cols, accumulate), c3 = loadSums(at, 3, cols, accumulate);
      let from = scratch + (<usize>j << 2);
      let x = aRow;
      for (let p = 0; p < k; p++) {
        const splat = v128.load32_splat(x);
        c0 = madd(splat, v128.load(from), c0);
        c1 = madd(splat, v128.load(from, 16), c1);
        c2 = madd(splat, v128.load(from, 32), c2);
        c3 = madd(splat, v128.load(from, 48), c3);
        x += depthStep;
        from += rowBytes;
      }
      storeSums(at, 0, cols, c0);
      storeSums(at, 1, cols, c1);
      storeSums(at, 2, cols, c2);
      storeSums(at, 3, cols, c3);
    }
  }
}

