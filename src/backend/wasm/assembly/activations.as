// The squishifications and their derivatives, elementwise on float32, each forward beside its
// backward. Pointers are byte addresses, `count` is a number of floats; outputs may be the same
// array as an input (same address), never a partial overlap. Each kernel's four-element step is
// an inlined function, run by the main loop on whole vectors and once more on the tail.
import { exp4, expDifference4, tanh4 } from './exp';
import { loadPartial, maxLane, storePartial, sumLanes } from './vector';

/** y = 1 / (1 + e^(−x)), from e = e^(−|x|) ≤ 1 so that nothing overflows: e/(1 + e) for x < 0. */
export function sigmoid(y: usize, x: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) sigmoidStep(y, x, <usize>i << 2, 4);
  if (i < count) sigmoidStep(y, x, <usize>i << 2, count - i);
}

@inline function sigmoidStep(y: usize, x: usize, at: usize, lanes: i32): void {
  const one = f32x4.splat(1);
  const v = loadPartial(x + at, lanes);
  const e = exp4(f32x4.neg(f32x4.abs(v)));
  const s = f32x4.div(one, f32x4.add(one, e));
  // For NaN, x ≥ 0 is false and e·s is NaN.
  storePartial(y + at, v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(v, f32x4.splat(0))), lanes);
}

/** dx = dy ⊙ y ⊙ (1 − y). */
export function sigmoidBackward(dx: usize, dy: usize, y: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) sigmoidBackwardStep(dx, dy, y, <usize>i << 2, 4);
  if (i < count) sigmoidBackwardStep(dx, dy, y, <usize>i << 2, count - i);
}

@inline function sigmoidBackwardStep(dx: usize, dy: usize, y: usize, at: usize, lanes: i32): void {
  const s = loadPartial(y + at, lanes);
  const g = loadPartial(dy + at, lanes);
  storePartial(dx + at, f32x4.mul(f32x4.mul(g, s), f32x4.sub(f32x4.splat(1), s)), lanes);
}

/** y = tanh(x). */
export function tanh(y: usize, x: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) tanhStep(y, x, <usize>i << 2, 4);
  if (i < count) tanhStep(y, x, <usize>i << 2, count - i);
}

@inline function tanhStep(y: usize, x: usize, at: usize, lanes: i32): void {
  storePartial(y + at, tanh4(loadPartial(x + at, lanes)), lanes);
}

/** dx = dy ⊙ (1 − y²), with 1 − y² as (1 − y)(1 + y), which does not cancel as y nears ±1. */
export function tanhBackward(dx: usize, dy: usize, y: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) tanhBackwardStep(dx, dy, y, <usize>i << 2, 4);
  if (i < count) tanhBackwardStep(dx, dy, y, <usize>i << 2, count - i);
}

@inline function tanhBackwardStep(dx: usize, dy: usize, y: usize, at: usize, lanes: i32): void {
  const one = f32x4.splat(1);
  const t = loadPartial(y + at, lanes);
  const g = loadPartial(dy + at, lanes);
  storePartial(dx + at, f32x4.mul(g, f32x4.mul(f32x4.sub(one, t), f32x4.add(one, t))), lanes);
}

/** y = x where x > 0, else slope·x (so NaN stays NaN and 0 gives slope·0). */
export function leakyRelu(y: usize, x: usize, count: i32, slope: f32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) leakyReluStep(y, x, <usize>i << 2, 4, slope);
  if (i < count) leakyReluStep(y, x, <usize>i << 2, count - i, slope);
}

@inline function leakyReluStep(y: usize, x: usize, at: usize, lanes: i32, slope: f32): void {
  const v = loadPartial(x + at, lanes);
  const positive = f32x4.gt(v, f32x4.splat(0));
  storePartial(y + at, v128.bitselect(v, f32x4.mul(f32x4.splat(slope), v), positive), lanes);
}

/** dx = dy where x > 0, else slope·dy. */
export function leakyReluBackward(dx: usize, dy: usize, x: usize, count: i32, slope: f32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) leakyReluBackwardStep(dx, dy, x, <usize>i << 2, 4, slope);
  if (i < count) leakyReluBackwardStep(dx, dy, x, <usize>i << 2, count - i, slope);
}

@inline function leakyReluBackwardStep(dx: usize, dy: usize, x: usize, at: usize, lanes: i32, slope: f32): void {
  const positive = f32x4.gt(loadPartial(x + at, lanes), f32x4.splat(0));
  const g = loadPartial(dy + at, lanes);
  storePartial(dx + at, v128.bitselect(g, f32x4.mul(f32x4.splat(slope), g), positive), lanes);
}

/**
 * Softmax of each row of x [rows, n] into y: e^(x − the row's maximum), then divided by the
 * row's sum. A NaN or +Inf in a row makes the whole row NaN, as in the reference.
 */
export function softmaxRows(y: usize, x: usize, rows: i32, n: i32): void {
  for (let i = 0; i < rows; i++) {
    const row = <usize>i * n * 4;
    // The partial last vector is padded with −Inf, which neither wins the maximum nor adds to the sum.
    let largest = f32x4.splat(-Infinity);
    for (let j = 0; j < n; j += 4) {
      const v = loadPartial(x + row + (<usize>j << 2), n - j);
      largest = f32x4.max(largest, n - j >= 4 ? v : padWith(v, n - j, -Infinity));
    }
    const top = f32x4.splat(maxLane(largest));
    let sum = f32x4.splat(0);
    for (let j = 0; j < n; j += 4) {
      const at = row + (<usize>j << 2);
      const e = expDifference4(loadPartial(x + at, n - j), top);
      // exp4 of the padding lanes is not stored and must not be summed.
      sum = f32x4.add(sum, n - j >= 4 ? e : padWith(e, n - j, 0));
      storePartial(y + at, e, n - j);
    }
    const total = f32x4.splat(sumLanes(sum));
    for (let j = 0; j < n; j += 4) {
      const at = row + (<usize>j << 2);
      storePartial(y + at, f32x4.div(loadPartial(y + at, n - j), total), n - j);
    }
  }
}

/**
 * dx[i, j] = y[i, j]·(dy[i, j] − Σ_k dy[i, k]·y[i, k]), in float64 as the reference computes it:
 * dy − the dot product cancels when they are close, and it runs on the output layer only.
 */
export function softmaxRowsBackward(dx: usize, dy: usize, y: usize, rows: i32, n: i32): void {
  for (let i = 0; i < rows; i++) {
    const row = <usize>i * n * 4;
    let dot: f64 = 0;
    for (let j = 0; j < n; j++) {
      const at = row + (<usize>j << 2);
      dot += <f64>load<f32>(dy + at) * <f64>load<f32>(y + at);
    }
    for (let j = 0; j < n; j++) {
      const at = row + (<usize>j << 2);
      store<f32>(dx + at, <f32>(<f64>load<f32>(y + at) * (<f64>load<f32>(dy + at) - dot)));
    }
  }
}

/** v with the lanes from `count` on replaced by `fill`. */
@inline function padWith(v: v128, count: i32, fill: f32): v128 {
  const lane = i32x4(0, 1, 2, 3);
  return v128.bitselect(v, f32x4.splat(fill), i32x4.lt_s(lane, i32x4.splat(count)));
}
