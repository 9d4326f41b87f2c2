// The matrix kernel for small products (a few thousand multiply-adds, like the video network's
// 16×16 layers), where packing panels and listing zeros cost more than the arithmetic: op(B) is
// copied once into a plain [k, n] block (or read in place when it is one), and each row of C is
// computed 16 columns at a time. It also takes thin products (few rows or few depths), whose
// tiles in matmul would be mostly edges.
import { allFinite, loadPartial, loadSums, madd, storeSums } from './vector';

/** Products of at most this many multiply-adds go through matmulSmall. */
export const SMALL_WORK: i64 = 8192;
/**
 * So do products of at most this many columns (a last layer's 10 outputs), however large: their
 * 4×8 tiles or row lists would fill one narrow panel, and its few sums' additions would keep
 * each value waiting, while here two rows share every load (wasm-backend.ts reads it, as `narrow`).
 */
export const NARROW: i32 = 16;

/**
 * SMALL_WORK and NARROW, for the loader: it picks the other kernels by the same bounds, and
 * reading them from here keeps one definition of each.
 */
export function matmulSmallWork(): i32 {
  return <i32>SMALL_WORK;
}

export function matmulNarrow(): i32 {
  return NARROW;
}

/**
 * So do products of up to this many multiply-adds with at most NARROW rows or depths (a last
 * layer's weight gradient, 10 × 64 over 128 columns, and its inputs' gradient, 64 × 10 · 10 ×
 * 128), when op(b) is read in place (see readsInPlace): matmul's 4×8 tiles would be mostly edges
 * and packing. 1 thread: the gradient took 3.6 µs against 7.4, the inputs' gradient 5.0 against
 * 5.6, and 10 × 16 · 16 × 784 6.6 against 15.4.
 */
export const THIN_WORK: i64 = 1 << 18;

/** Whether matmulSmall reads op(b) where it lies: b not transposed, its rows whole tiles. */
@inline export function readsInPlace(n: i32, transB: bool, j0: i32): bool {
  return !transB && (n & 15) == 0 && (j0 & 15) == 0;
}

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
  let from = scratch;
  if (readsInPlace(n, transB, j0)) {
    // b is already a plain [k, n] block of whole tiles: read in place.
    from = b;
  } else for (let p = 0; p < k; p++) {
    // op(b) as a plain [k, width] block, zero past column n.
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
  // Two rows at a time where two are left: each sum waits on its own last addition, so two
  // rows' sums in flight keep the adders busy twice as long per value of op(b) loaded.
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    for (let j = j0; j < j1; j += 16) {
      smallTile2(a + <usize>i * rowStep, rowStep, depthStep, from + (<usize>j << 2), rowBytes, k,
        c + ((<usize>i * n + j) << 2), <usize>n << 2, min(16, j1 - j), accumulate);
    }
  }
  for (; i < i1; i++) {
    for (let j = j0; j < j1; j += 16) {
      smallTile1(a + <usize>i * rowStep, depthStep, from + (<usize>j << 2), rowBytes, k,
        c + ((<usize>i * n + j) << 2), min(16, j1 - j), accumulate);
    }
  }
}

/**
 * One row of C, 16 columns from `at`: the sums over every depth of op(a)'s value (from x,
 * depthStep bytes apart) times the copied op(b)'s row (from `from`, rowBytes apart).
 */
@inline function smallTile1(
  x: usize, depthStep: usize, from: usize, rowBytes: usize, k: i32, at: usize, cols: i32, accumulate: bool,
): void {
  let c0 = loadSums(at, 0, cols, accumulate), c1 = loadSums(at, 1, cols, accumulate);
  let c2 = loadSums(at, 2, cols, accumulate), c3 = loadSums(at, 3, cols, accumulate);
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

/** As smallTile1, for two rows: the second's values rowStep bytes after the first's, its C cStep. */
@inline function smallTile2(
  x: usize, rowStep: usize, depthStep: usize, from: usize, rowBytes: usize, k: i32, at: usize, cStep: usize,
  cols: i32, accumulate: bool,
): void {
  const next = at + cStep;
  let c0 = loadSums(at, 0, cols, accumulate), c1 = loadSums(at, 1, cols, accumulate);
  let c2 = loadSums(at, 2, cols, accumulate), c3 = loadSums(at, 3, cols, accumulate);
  let d0 = loadSums(next, 0, cols, accumulate), d1 = loadSums(next, 1, cols, accumulate);
  let d2 = loadSums(next, 2, cols, accumulate), d3 = loadSums(next, 3, cols, accumulate);
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(from), b1 = v128.load(from, 16), b2 = v128.load(from, 32), b3 = v128.load(from, 48);
    const first = v128.load32_splat(x);
    c0 = madd(first, b0, c0);
    c1 = madd(first, b1, c1);
    c2 = madd(first, b2, c2);
    c3 = madd(first, b3, c3);
    const second = v128.load32_splat(x + rowStep);
    d0 = madd(second, b0, d0);
    d1 = madd(second, b1, d1);
    d2 = madd(second, b2, d2);
    d3 = madd(second, b3, d3);
    x += depthStep;
    from += rowBytes;
  }
  storeSums(at, 0, cols, c0);
  storeSums(at, 1, cols, c1);
  storeSums(at, 2, cols, c2);
  storeSums(at, 3, cols, c3);
  storeSums(next, 0, cols, d0);
  storeSums(next, 1, cols, d1);
  storeSums(next, 2, cols, d2);
  storeSums(next, 3, cols, d3);
}


/** Depths matmulFewDepths takes at most: one bit each in a 32-bit mask. */
export const FEW_DEPTHS: i32 = 16;

/**
 * out = aᵀ·b, or out += aᵀ·b when `accumulate`, for a [k, m] and b [k, n] as stored with few
 * depths k (at most FEW_DEPTHS): the weight gradient dyᵀ·x of a small batch, such as the video
 * network's 10 digits. Neither operand is packed: 16 columns of two rows of C are the sums over
 * the depths of a[p, i] and a[p, i + 1] times b's row p, both read in place (the two rows share
 * each load of b), and depths where b's 16 values are all zero (most of a digit's rows of
 * pixels) are left out, as long as a is all finite (0·Inf is NaN). Each element's sum runs over
 * the depths in increasing order, so the bits are matmul's. (16 columns of one row at a time,
 * in 24-column panels, took 8.7 µs for the video network's 16 × 784 over 10 digits.)
 */
export function matmulFewDepths(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  const every = <i32>((<u64>1 << <u64>k) - 1);
  const skip = allFinite(a, <usize>m * k);
  const rowB = <usize>n << 2;
  const rowA = <usize>m << 2;
  const rowC = <usize>n << 2;
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    // The depths whose 16 values of b are not all zero (NaN is not zero).
    let depths = every;
    if (skip) {
      depths = 0;
      let at = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const any = v128.or(
          v128.or(f32x4.ne(v128.load(at), zero), f32x4.ne(v128.load(at, 16), zero)),
          v128.or(f32x4.ne(v128.load(at, 32), zero), f32x4.ne(v128.load(at, 48), zero)),
        );
        depths |= <i32>v128.any_true(any) << p;
        at += rowB;
      }
    }
    const top = b + (<usize>j << 2);
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const at = c + ((<usize>i * n + j) << 2);
      const next = at + rowC;
      let c0 = loadSums(at, 0, 16, accumulate), c1 = loadSums(at, 1, 16, accumulate);
      let c2 = loadSums(at, 2, 16, accumulate), c3 = loadSums(at, 3, 16, accumulate);
      let d0 = loadSums(next, 0, 16, accumulate), d1 = loadSums(next, 1, 16, accumulate);
      let d2 = loadSums(next, 2, 16, accumulate), d3 = loadSums(next, 3, 16, accumulate);
      for (let left = depths; left != 0; left &= left - 1) {
        const p = <usize>ctz(left);
        const row = top + p * rowB;
        const b0 = v128.load(row), b1 = v128.load(row, 16), b2 = v128.load(row, 32), b3 = v128.load(row, 48);
        const x = v128.load32_splat(a + p * rowA + (<usize>i << 2));
        c0 = madd(x, b0, c0);
        c1 = madd(x, b1, c1);
        c2 = madd(x, b2, c2);
        c3 = madd(x, b3, c3);
        const y = v128.load32_splat(a + p * rowA + (<usize>i << 2), 4);
        d0 = madd(y, b0, d0);
        d1 = madd(y, b1, d1);
        d2 = madd(y, b2, d2);
        d3 = madd(y, b3, d3);
      }
      storeSums(at, 0, 16, c0);
      storeSums(at, 1, 16, c1);
      storeSums(at, 2, 16, c2);
      storeSums(at, 3, 16, c3);
      storeSums(next, 0, 16, d0);
      storeSums(next, 1, 16, d1);
      storeSums(next, 2, 16, d2);
      storeSums(next, 3, 16, d3);
    }
    for (; i < m; i++) {
      const at = c + ((<usize>i * n + j) << 2);
      let c0 = loadSums(at, 0, 16, accumulate), c1 = loadSums(at, 1, 16, accumulate);
      let c2 = loadSums(at, 2, 16, accumulate), c3 = loadSums(at, 3, 16, accumulate);
      for (let left = depths; left != 0; left &= left - 1) {
        const p = <usize>ctz(left);
        const row = top + p * rowB;
        const x = v128.load32_splat(a + p * rowA + (<usize>i << 2));
        c0 = madd(x, v128.load(row), c0);
        c1 = madd(x, v128.load(row, 16), c1);
        c2 = madd(x, v128.load(row, 32), c2);
        c3 = madd(x, v128.load(row, 48), c3);
      }
      storeSums(at, 0, 16, c0);
      storeSums(at, 1, 16, c1);
      storeSums(at, 2, 16, c2);
      storeSums(at, 3, 16, c3);
    }
  }
  // The last columns four at a time, every depth.
  for (; j < n; j += 4) {
    const lanes = min(4, n - j);
    for (let i = 0; i < m; i++) {
      const at = c + ((<usize>i * n + j) << 2);
      let sum = loadSums(at, 0, lanes, accumulate);
      for (let p = 0; p < k; p++) {
        const x = v128.load32_splat(a + <usize>p * rowA + (<usize>i << 2));
        sum = madd(x, loadPartial(b + <usize>p * rowB + (<usize>j << 2), lanes), sum);
      }
      storeSums(at, 0, lanes, sum);
    }
  }
}
