// Helpers for walking float32 arrays four lanes at a time, with the last one to three elements
// loaded into (and stored from) a partly used vector, so that every kernel has one code path.

/** Loads `count` (1 to 4) floats from `at` into the low lanes; the other lanes are 0. */
@inline export function loadPartial(at: usize, count: i32): v128 {
  if (count >= 4) return v128.load(at);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(at));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(at, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(at, 8));
  return v;
}

/** Stores the low `count` (1 to 4) lanes of v at `at`. */
@inline export function storePartial(at: usize, v: v128, count: i32): void {
  if (count >= 4) {
    v128.store(at, v);
    return;
  }
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(at, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(at, f32x4.extract_lane(v, 2), 8);
}

/** Two float32s at `at` (or, unless `pair`, one and a 0) as two float64 lanes. */
@inline export function loadPair(at: usize, pair: bool): v128 {
  return f64x2.promote_low_f32x4(pair ? v128.load64_zero(at) : v128.load32_zero(at));
}

/** Two float64 lanes rounded to float32 and stored at `at` (only the first unless `pair`). */
@inline export function storePair(at: usize, v: v128, pair: bool): void {
  const result = f32x4.demote_f64x2_zero(v);
  store<f32>(at, f32x4.extract_lane(result, 0));
  if (pair) store<f32>(at, f32x4.extract_lane(result, 1), 4);
}

/** a·b + c: fused where the runtime has relaxed SIMD (the relaxed build), else multiply and add. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** The largest lane (NaN if any lane is NaN, as f32.max says). */
@inline export function maxLane(v: v128): f32 {
  const a = f32x4.max(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return max(f32x4.extract_lane(a, 0), f32x4.extract_lane(a, 1));
}

/** The sum of the lanes. */
@inline export function sumLanes(v: v128): f32 {
  const a = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1);
}
