// e^x and tanh(x) on four float32 lanes, accurate to a few units in the last place (about 3e-7
// relative), with the IEEE edge cases the reference gets from Math.exp and Math.tanh:
// e^(+Inf) = +Inf, e^(−Inf) = 0, NaN stays NaN, and results below float32's smallest normal
// number come out as subnormals rather than 0.
import { highToFloat64, lowToFloat64, madd, toFloat32 } from './vector';

// ln 2 split in two (Cody and Waite): LN2_HI has 9 significant bits, so n·LN2_HI is exact for
// every |n| ≤ 150 and x − n·LN2_HI loses nothing.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const LOG2_E: f32 = 1.44269504;

// Past these bounds e^x is +Inf or 0 in float32; clamping keeps n within what the scaling handles.
const HIGHEST: f32 = 89;
const LOWEST: f32 = -104;

/**
 * e^x per lane. x = n·ln 2 + r with |r| ≤ ½ ln 2, then e^r·2^n (see expReduced).
 */
export function exp4(x: v128): v128 {
  // f32x4.min and max return NaN for a NaN lane, so NaN passes through.
  x = f32x4.max(f32x4.min(x, f32x4.splat(HIGHEST)), f32x4.splat(LOWEST));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2_E)));
  let r = madd(n, f32x4.splat(-LN2_HI), x);
  r = madd(n, f32x4.splat(-LN2_LO), r);
  return expReduced(r, n);
}

/**
 * e^(x − y) per lane, with x − y and its reduction done in float64, where x − y is exact: in
 * float32 the difference itself would round, by up to 6e-8·|x − y| (over 1e-6 relative error in
 * the result once |x − y| passes 16). Softmax needs this, as its inputs are x − max.
 */
export function expDifference4(x: v128, y: v128): v128 {
  const dLow = clamp2(f64x2.sub(lowToFloat64(x), lowToFloat64(y)));
  const dHigh = clamp2(f64x2.sub(highToFloat64(x), highToFloat64(y)));
  const nLow = f64x2.nearest(f64x2.mul(dLow, f64x2.splat(LOG2_E_64)));
  const nHigh = f64x2.nearest(f64x2.mul(dHigh, f64x2.splat(LOG2_E_64)));
  // |n| ≤ 150, so n·ln 2 in float64 is within 3e-14 of exact: far below float32's resolution.
  const rLow = f64x2.sub(dLow, f64x2.mul(nLow, f64x2.splat(LN2_64)));
  const rHigh = f64x2.sub(dHigh, f64x2.mul(nHigh, f64x2.splat(LN2_64)));
  return expReduced(toFloat32(rLow, rHigh), toFloat32(nLow, nHigh));
}

const LOG2_E_64: f64 = 1.4426950408889634;
const LN2_64: f64 = 0.6931471805599453;

/** Clamps two float64 lanes as exp4 clamps its input (NaN passes through). */
@inline function clamp2(d: v128): v128 {
  return f64x2.max(f64x2.min(d, f64x2.splat(HIGHEST)), f64x2.splat(LOWEST));
}

/**
 * e^r·2^n, for |r| ≤ ½ ln 2 and whole n in [−150, 129]: e^r by its Taylor series to r⁷ (the
 * first term left out is below 3e-9 relative), then 2^n applied in two halves so that subnormal
 * results (n < −126) and the overflow to +Inf (n > 127) both come out right.
 */
@inline function expReduced(r: v128, n: v128): v128 {
  let p = madd(r, f32x4.splat(1.0 / 5040), f32x4.splat(1.0 / 720));
  p = madd(p, r, f32x4.splat(1.0 / 120));
  p = madd(p, r, f32x4.splat(1.0 / 24));
  p = madd(p, r, f32x4.splat(1.0 / 6));
  p = madd(p, r, f32x4.splat(0.5));
  p = madd(p, r, f32x4.splat(1));
  p = madd(p, r, f32x4.splat(1));
  const whole = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(whole, 1);
  const rest = i32x4.sub(whole, half);
  const scaleHalf = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const scaleRest = i32x4.shl(i32x4.add(rest, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, scaleHalf), scaleRest);
}

// Below this |x|, tanh comes from its Taylor series (through x¹³; the first term left out is
// below 6e-12 relative); above it, from e^(−2|x|), where 1 − e^(−2|x|) no longer cancels badly.
const TANH_SERIES_BELOW: f32 = 0.25;

/** tanh(x) per lane: odd, ±1 for large |x|, NaN for NaN. */
export function tanh4(x: v128): v128 {
  const a = f32x4.abs(x);
  // Large |x|: tanh = (1 − e)/(1 + e) with e = e^(−2|x|) ≤ e^(−½), so 1 − e does not cancel.
  const e = exp4(f32x4.mul(a, f32x4.splat(-2)));
  const one = f32x4.splat(1);
  const large = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  // Small |x|: a + a³·(−1/3 + a²·(2/15 + a²·(−17/315 + ...))).
  const a2 = f32x4.mul(a, a);
  let p = madd(a2, f32x4.splat(<f32>(21844.0 / 6081075.0)), f32x4.splat(<f32>(-1382.0 / 155925.0)));
  p = madd(p, a2, f32x4.splat(<f32>(62.0 / 2835.0)));
  p = madd(p, a2, f32x4.splat(<f32>(-17.0 / 315.0)));
  p = madd(p, a2, f32x4.splat(<f32>(2.0 / 15.0)));
  p = madd(p, a2, f32x4.splat(<f32>(-1.0 / 3.0)));
  const small = madd(f32x4.mul(p, a2), a, a);
  // f32x4.lt is false for NaN, which therefore takes the `large` branch and stays NaN.
  const magnitude = v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(TANH_SERIES_BELOW)));
  // Put x's sign back (tanh is odd): the sign bit from x, the rest from the magnitude.
  return v128.bitselect(x, magnitude, i32x4.splat(0x80000000));
}
