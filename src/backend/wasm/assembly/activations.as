// The squishifications and their derivatives, elementwise on float32, each forward beside its
// backward. Pointers are byte addresses, `count` is a number of floats; outputs may be the same
// array as an input (same address), never a partial overlap.
import { exp4, expDifference4, tanh4 } from './exp';
import { loadPartial, maxLane, storePartial, sumLanes } from './vector';

/** y = 1 / (1 + e^(−x)), from e = e^(−|x|) ≤ 1 so that nothing overflows: e/(1 + e) for x < 0. */
export function sigmoid(y: usize, x: usize, count: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    const v = loadPartial(x + at, count - i);
    const e = exp4(f32x4.neg(f32x4.abs(v)));
    const s = f32x4.div(one, f32x4.add(one, e));
    // For NaN, x ≥ 0 is false and e·s is NaN.
    storePartial(y + at, v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(v, f32x4.splat(0))), count - i);
  }
}

/** dx = dy ⊙ y ⊙ (1 − y). */
export function sigmoidBackward(dx: usize, dy: usize, y: usize, count: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    const s = loadPartial(y + at, count - i);
    const g = loadPartial(dy + at, count - i);
    storePartial(dx + at, f32x4.mul(f32x4.mul(g, s), f32x4.sub(one, s)), count - i);
  }
}

/** y = tanh(x). */
export function tanh(y: usize, x: usize, count: i32): void {
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    storePartial(y + at, tanh4(loadPartial(x + at, count - i)), count - i);
  }
}

/** dx = dy ⊙ (1 − y²), with 1 − y² as (1 − y)(1 + y), which does not cancel as y nears ±1. */
export function tanhBackward(dx: usize, dy: usize, y: usize, count: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    const t = loadPartial(y + at, count - i);
    const g = loadPartial(dy + at, count - i);
    storePartial(dx + at, f32x4.mul(g, f32x4.mul(f32x4.sub(one, t), f32x4.add(one, t))), count - i);
  }
}

/** y = x where x > 0, else slope·x (so NaN stays NaN and 0 gives slope·0). */
export function leakyRelu(y: usize, x: usize, count: i32, slope: f32): void {
  const k = f32x4.splat(slope);
  const zero = f32x4.splat(0);
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    const v = loadPartial(x + at, count - i);
    storePartial(y + at, v128.bitselect(v, f32x4.mul(k, v), f32x4.gt(v, zero)), count - i);
  }
}

/** dx = dy where x > 0, else slope·dy. */
export function leakyReluBackward(dx: usize, dy: usize, x: usize, count: i32, slope: f32): void {
  const k = f32x4.splat(slope);
  const zero = f32x4.splat(0);
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    const v = loadPartial(x + at, count - i);
    const g = loadPartial(dy + at, count - i);
    storePartial(dx + at, v128.bitselect(g, f32x4.mul(k, g), f32x4.gt(v, zero)), count - i);
  }
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
