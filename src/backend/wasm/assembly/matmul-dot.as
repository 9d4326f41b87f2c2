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
 * out = a·bᵀ, or out += a·bᵀ when `accumulate`, for a [m, k] and b [n, k], out [m, n], all
 * row-major float32. The backend sends a few rows (at most three, DOT_ROWS in wasm-backend.ts:
 * for more, the other kernels' packing pays), or a batch times a narrow b (a last layer's 10
 * neurons). Rows of a go two at a time, each load of b shared by both rows, four rows of b at a
 * time (eight sums in flight; five spilled: 64 × 128 → 10 took 7.6 µs against 4.2), then two,
 * then one. A last row alone takes six rows of b at a time, each load of a's row shared by six:
 * each partial sum waits on its own last addition, and six of them keep the adders as busy as
 * the multiplies (four left them waiting: 784 → 128 for one digit took 6.9 µs).
 * Each element's sum is the same whichever way it was computed: four partial sums over the
 * depths in steps of four, added, then the last depths one by one.
 */
export function matmulDot(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  const rowBytes = <usize>k << 2;
  const whole = <usize>(k & ~3) << 2;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const x = a + <usize>i * rowBytes;
    const y = x + rowBytes;
    const out = c + (<usize>i * n << 2);
    const next = out + (<usize>n << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const w0 = b + <usize>j * rowBytes;
      const w1 = w0 + rowBytes;
      const w2 = w1 + rowBytes;
      const w3 = w2 + rowBytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
      for (let at: usize = 0; at < whole; at += 16) {
        const u = v128.load(x + at);
        const v = v128.load(y + at);
        let w = v128.load(w0 + at);
        s0 = madd(u, w, s0);
        t0 = madd(v, w, t0);
        w = v128.load(w1 + at);
        s1 = madd(u, w, s1);
        t1 = madd(v, w, t1);
        w = v128.load(w2 + at);
        s2 = madd(u, w, s2);
        t2 = madd(v, w, t2);
        w = v128.load(w3 + at);
        s3 = madd(u, w, s3);
        t3 = madd(v, w, t3);
      }
      const o = out + (<usize>j << 2);
      finish(o, 0, sumLanes(s0) + tail(x, w0, whole, rowBytes), accumulate);
      finish(o, 1, sumLanes(s1) + tail(x, w1, whole, rowBytes), accumulate);
      finish(o, 2, sumLanes(s2) + tail(x, w2, whole, rowBytes), accumulate);
      finish(o, 3, sumLanes(s3) + tail(x, w3, whole, rowBytes), accumulate);
      const q = next + (<usize>j << 2);
      finish(q, 0, sumLanes(t0) + tail(y, w0, whole, rowBytes), accumulate);
      finish(q, 1, sumLanes(t1) + tail(y, w1, whole, rowBytes), accumulate);
      finish(q, 2, sumLanes(t2) + tail(y, w2, whole, rowBytes), accumulate);
      finish(q, 3, sumLanes(t3) + tail(y, w3, whole, rowBytes), accumulate);
    }
    for (; j + 2 <= n; j += 2) {
      const w0 = b + <usize>j * rowBytes;
      const w1 = w0 + rowBytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), t0 = f32x4.splat(0), t1 = f32x4.splat(0);
      for (let at: usize = 0; at < whole; at += 16) {
        const u = v128.load(x + at);
        const v = v128.load(y + at);
        let w = v128.load(w0 + at);
        s0 = madd(u, w, s0);
        t0 = madd(v, w, t0);
        w = v128.load(w1 + at);
        s1 = madd(u, w, s1);
        t1 = madd(v, w, t1);
      }
      const o = out + (<usize>j << 2);
      finish(o, 0, sumLanes(s0) + tail(x, w0, whole, rowBytes), accumulate);
      finish(o, 1, sumLanes(s1) + tail(x, w1, whole, rowBytes), accumulate);
      const q = next + (<usize>j << 2);
      finish(q, 0, sumLanes(t0) + tail(y, w0, whole, rowBytes), accumulate);
      finish(q, 1, sumLanes(t1) + tail(y, w1, whole, rowBytes), accumulate);
    }
    for (; j < n; j++) {
      const w = b + <usize>j * rowBytes;
      let s = f32x4.splat(0), t = f32x4.splat(0);
      for (let at: usize = 0; at < whole; at += 16) {
        const v = v128.load(w + at);
        s = madd(v128.load(x + at), v, s);
        t = madd(v128.load(y + at), v, t);
      }
      finish(out + (<usize>j << 2), 0, sumLanes(s) + tail(x, w, whole, rowBytes), accumulate);
      finish(next + (<usize>j << 2), 0, sumLanes(t) + tail(y, w, whole, rowBytes), accumulate);
    }
  }
  for (; i < m; i++) {
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
    // The last few rows of b two at a time: two sums in flight rather than one (784 → 128 for
    // one digit leaves two: 5.3-5.5 µs against 5.5).
    for (; j + 2 <= n; j += 2) {
      const w0 = b + <usize>j * rowBytes;
      const w1 = w0 + rowBytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      for (let at: usize = 0; at < whole; at += 16) {
        const v = v128.load(x + at);
        s0 = madd(v, v128.load(w0 + at), s0);
        s1 = madd(v, v128.load(w1 + at), s1);
      }
      const at = out + (<usize>j << 2);
      finish(at, 0, sumLanes(s0) + tail(x, w0, whole, rowBytes), accumulate);
      finish(at, 1, sumLanes(s1) + tail(x, w1, whole, rowBytes), accumulate);
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
