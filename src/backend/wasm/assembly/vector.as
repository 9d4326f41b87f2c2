// Helpers for walking float32 arrays four lanes at a time. Each kernel computes four elements in
// one inlined function and calls it twice: in its main loop with `lanes` 4, where loadPartial
// and storePartial fold to plain vector loads and stores, and once for the last one to three
// elements, which go through a partly used vector.

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

/** Lanes 0 and 1 of a float32 vector as two float64 lanes (exactly). */
@inline export function lowToFloat64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2 and 3 of a float32 vector as two float64 lanes (exactly). */
@inline export function highToFloat64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/** Two pairs of float64 lanes, each rounded to float32, as one vector of four. */
@inline export function toFloat32(low: v128, high: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 4, 5);
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

/**
 * Four sums of a tile's row, read from C at vector v of the row: `cols` of the row's columns lie
 * inside C (past them, and when not `fromC`, the sums start at 0). Adding +0 turns −0 into +0,
 * as the reference's C + sum does.
 */
@inline export function loadSums(c: usize, v: i32, cols: i32, fromC: bool): v128 {
  const lanes = cols - v * 4;
  if (!fromC || lanes <= 0) return f32x4.splat(0);
  return f32x4.add(loadPartial(c + (<usize>v << 4), lanes), f32x4.splat(0));
}

/** Stores four sums of a tile's row at vector v, those of its `cols` columns that lie inside C. */
@inline export function storeSums(c: usize, v: i32, cols: i32, value: v128): void {
  const lanes = cols - v * 4;
  if (lanes > 0) storePartial(c + (<usize>v << 4), value, lanes);
}

/** All-ones lanes where v is NaN or ±Inf: x − x is 0 exactly when x is finite. */
@inline export function nonFinite(v: v128): v128 {
  return f32x4.ne(f32x4.sub(v, v), f32x4.splat(0));
}

/** Transposes four rows of four floats into four columns, stored `step` bytes apart from `dst`. */
@inline export function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + step, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + step * 2, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + step * 3, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Whether all `count` floats from `at` are finite: the largest exponent field among them (taken
 * as integers, four at a time) is not all ones.
 */
export function allFinite(at: usize, count: usize): bool {
  const exponent = i32x4.splat(0x7f800000);
  let largest0 = i32x4.splat(0);
  let largest1 = i32x4.splat(0);
  const end = at + (count << 2);
  let p = at;
  for (; p + 64 <= end; p += 64) {
    largest0 = i32x4.max_u(largest0, i32x4.max_u(v128.and(v128.load(p), exponent), v128.and(v128.load(p, 16), exponent)));
    largest1 = i32x4.max_u(largest1, i32x4.max_u(v128.and(v128.load(p, 32), exponent), v128.and(v128.load(p, 48), exponent)));
  }
  for (; p < end; p += 4) largest0 = i32x4.max_u(largest0, v128.and(v128.load32_zero(p), exponent));
  return !v128.any_true(i32x4.eq(i32x4.max_u(largest0, largest1), exponent));
}
