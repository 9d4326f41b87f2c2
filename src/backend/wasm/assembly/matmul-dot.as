// The matrix kernel for one to a few rows times a transposed b: one digit through a layer, as
// the web app and `glassbox predict` run it. Here b (a layer's weights, [n, k] as stored) is read
// once, row after row, in the order it lies in memory, and each element of out is a dot product
// of two contiguous rows: four partial sums in the lanes of one vector, added at the end.
//
// The other kernels sum each element over the depths in increasing order and skip zeros of a, so
// that their results do not depend on which one ran. This one sums in another order (so its
// results agree with theirs within float32 rounding, not to the bit) and skips nothing: 0·Inf
// and 0·NaN are NaN here as in the reference, without the pass over b that the others need
// before they may skip a zero, and which alone costs as much as this whole product.
import { madd, sumLanes } from './vector';

/**
 * out = a·bᵀ, or out += a·bᵀ when `accumulate`, for a [m, k] of a few rows (the backend sends
 * at most three, DOT_ROWS in wasm-backend.ts: for more, the other kernels' packing pays) and
 * b [n, k], out [m, n], all row-major float32. Six rows of b at a time share each load of a's row: each
 * partial sum waits on its own last addition, and six of them keep the adders as busy as the
 * multiplies (four left them waiting: 784 → 128 for one digit took 6.9 µs).
 */
export function matmulDot(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  const rowBytes = <usize>k << 2;
  const whole = <usize>(k & ~3) << 2;
  for (let i = 0; i < m; i++) {
    const x = a + <usize>i * rowBytes;
    const out = c + (<usize>i * n << 2);
    let j = 0;
    for (; j + 6 <= n; j += 6) {
      const w0 = b + <usize>j * rowBytes;
      const w1 = w0 + rowBytes;
      const w2 = w1 + rowBytes;
      const w3 = w2 + rowBytes;
      const w4 = w3 + rowBytes;
      const w5 = w4 + rowBytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
      let s3 = f32x4.splat(0), s4 = f32x4.splat(0), s5 = f32x4.splat(0);
      for (let at: usize = 0; at < whole; at += 16) {
        const v = v128.load(x + at);
        s0 = madd(v, v128.load(w0 + at), s0);
        s1 = madd(v, v128.load(w1 + at), s1);
        s2 = madd(v, v128.load(w2 + at), s2);
        s3 = madd(v, v128.load(w3 + at), s3);
        s4 = madd(v, v128.load(w4 + at), s4);
        s5 = madd(v, v128.load(w5 + at), s5);
      }
      const at = out + (<usize>j << 2);
      finish(at, 0, sumLanes(s0) + tail(x, w0, whole, rowBytes), accumulate);
      finish(at, 1, sumLanes(s1) + tail(x, w1, whole, rowBytes), accumulate);
      finish(at, 2, sumLanes(s2) + tail(x, w2, whole, rowBytes), accumulate);
      finish(at, 3, sumLanes(s3) + tail(x, w3, whole, rowBytes), accumulate);
      finish(at, 4, sumLanes(s4) + tail(x, w4, whole, rowBytes), accumulate);
      finish(at, 5, sumLanes(s5) + tail(x, w5, whole, rowBytes), accumulate);
    }
    for (; j < n; j++) {
      const w = b + <usize>j * rowBytes;
      let s = f32x4.splat(0);
      for (let at: usize = 0; at < whole; at += 16) s = madd(v128.load(x + at), v128.load(w + at), s);
      finish(out + (<usize>j << 2), 0, sumLanes(s) + tail(x, w, whole, rowBytes), accumulate);
    }
  }
}

/** The products past the last multiple of four depths (from byte `from` to `end`), summed in order. */
@inline function tail(x: usize, w: usize, from: usize, end: usize): f32 {
  let sum: f32 = 0;
  for (let at = from; at < end; at += 4) sum += load<f32>(x + at) * load<f32>(w + at);
  return sum;
}

/** Stores a dot product at element `j` from `at`, or adds it there, as the reference's C + sum does. */
@inline function finish(at: usize, j: i32, sum: f32, accumulate: bool): void {
  const to = at + (<usize>j << 2);
  store<f32>(to, accumulate ? load<f32>(to) + sum : sum);
}
