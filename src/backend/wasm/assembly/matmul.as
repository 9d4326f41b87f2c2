// The matrix kernel: C = op(A)·op(B) (or C += ...) on float32, blocked for the caches, packed into
// panels, and computed 4 rows × 8 columns at a time in eight f32x4 accumulators.
import { loadPartial, madd, nonFinite, transpose4 } from './vector';
import { matmulRowsDensity, ROWS_LIST_BYTES } from './matmul-rows';
import { matmulSmall, NARROW, readsInPlace, SMALL_WORK, THIN_WORK } from './matmul-small';

// Blocking sizes, in elements. A 4×8 tile needs 8 accumulators + 2 B vectors + 1 A splat: 11 of
// V8's 16 SIMD registers; a larger tile spills. KC keeps one packed B panel (8·KC floats) in L1,
// MC·KC floats of packed A stay in L2, and KC·NC floats of packed B share L2 with them. KC 400
// takes an MNIST depth (784) in two blocks, each costing every tile a load and store of its sums:
// at W1's shapes, 1 thread, it gave 40.0-40.7 GFLOP/s in Node against 37.3-40.3 with KC 256
// (four blocks) and 37.7-40.6 with 800 (one block, a panel as large as L1).
const MR: i32 = 4;
const NR: i32 = 8;
const MC: i32 = 64;
const KC: i32 = 400;
const NC: i32 = 512;

// Packed panels hold `paddedDepth(kc)` depths: kc rounded up to even, then two more, all zeros
// past kc. The micro-kernels take two depths per step, so an even count needs no remainder loop,
// and an odd list of depths is evened up with depth kc, whose zeros add nothing.
const KC_PADDED: i32 = KC + 2;

// Scratch layout (bytes from the scratch pointer the caller passes in).
const PACK_A: usize = 0;
const PACK_B: usize = PACK_A + <usize>(MC * KC_PADDED * 4);
const LIST_A: usize = PACK_B + <usize>(KC_PADDED * NC * 4);
const COUNT_A: usize = LIST_A + <usize>((MC / MR) * KC_PADDED * 4);
const LIST_B: usize = COUNT_A + <usize>((MC / MR) * 4);
const COUNT_B: usize = LIST_B + <usize>((NC / NR) * KC_PADDED * 4);
const TILE: usize = COUNT_B + <usize>((NC / NR) * 4);
const SCRATCH_BYTES: usize = TILE + <usize>(MR * NR * 4);

/**
 * Bytes of scratch memory one thread needs for a matrix product: matmul's packing buffers and
 * skip lists, or the row-list kernel's lists (see matmul-rows.as).
 */
export function matmulScratchBytes(): usize {
  return max(SCRATCH_BYTES, ROWS_LIST_BYTES);
}


@inline function paddedDepth(kc: i32): i32 {
  return ((kc + 1) & ~1) + 2;
}

/** Lanes that are not ±0 (NaN counts as non-zero: it must never be skipped). */
@inline function anyNonZero(v: v128): bool {
  return v128.any_true(f32x4.ne(v, f32x4.splat(0)));
}


// Packing returns whether every packed value was finite; zero-skipping in the other operand is
// allowed only then, because 0·Inf and 0·NaN must still give NaN. The check adds vectors before
// testing them, which may call a block of huge finite numbers non-finite (their sum overflows):
// that only turns skipping off for the block.

/** Appends depth p to a skip list when v is not all zero; returns the new length. */
@inline function record(list: usize, count: i32, p: i32, v: v128): i32 {
  store<i32>(list + (<usize>count << 2), p);
  return count + <i32>anyNonZero(v);
}


/**
 * Packs rows [i0, i0 + mc) × depth [p0, p0 + kc) of op(A) into panels of MR rows: panel r holds,
 * for each p, the MR values op(A)[i0 + MR·r .. + MR, p0 + p], zero from row iEnd on (the end of
 * the rows this call computes; op(A) has m rows, which is A's stride when transposed) and past
 * depth kc. When `listed`, also lists, per panel, the depths whose MR values are not all zero,
 * and returns whether every value was finite (else false).
 */
function packA(
  a: usize, m: i32, k: i32, transA: bool, iEnd: i32, i0: i32, mc: i32, p0: i32, kc: i32, s: usize, listed: bool,
): bool {
  const zero = f32x4.splat(0);
  const panels = (mc + MR - 1) / MR;
  for (let r = 0; r < panels; r++) {
    const i = i0 + r * MR;
    const rows = min(MR, iEnd - i);
    let dst = s + PACK_A + <usize>(r * paddedDepth(kc) * MR * 4);
    let p = 0;
    if (transA) {
      // Stored [k, m]: the values for one depth are adjacent.
      let src = a + (<usize>p0 * m + i) * 4;
      const stride = <usize>m * 4;
      for (; p < kc; p++) {
        v128.store(dst, loadPartial(src, rows));
        src += stride;
        dst += 16;
      }
    } else {
      // Stored [m, k]: read the rows four values at a time and transpose 4×4 in registers; rows
      // past the edge read as zeros.
      const stride = <usize>k * 4;
      let src = a + (<usize>i * k + p0) * 4;
      for (; p + 4 <= kc; p += 4) {
        const r0 = v128.load(src);
        const r1 = rows > 1 ? v128.load(src + stride) : zero;
        const r2 = rows > 2 ? v128.load(src + stride * 2) : zero;
        const r3 = rows > 3 ? v128.load(src + stride * 3) : zero;
        transpose4(r0, r1, r2, r3, dst, 16);
        src += 16;
        dst += 64;
      }
    }
    // The last few depths and the zero padding, one value at a time.
    for (; p < paddedDepth(kc); p++) {
      const pp = p0 + p;
      for (let rr = 0; rr < MR; rr++) {
        let value: f32 = 0;
        if (rr < rows && p < kc) {
          const ii = i + rr;
          value = transA ? load<f32>(a + (<usize>pp * m + ii) * 4) : load<f32>(a + (<usize>ii * k + pp) * 4);
        }
        store<f32>(dst + <usize>(rr * 4), value);
      }
      dst += 16;
    }
  }
  if (!listed) return false;
  let bad = i32x4.splat(0);
  for (let r = 0; r < panels; r++) {
    let at = s + PACK_A + <usize>(r * paddedDepth(kc) * MR * 4);
    const list = s + LIST_A + <usize>(r * KC_PADDED * 4);
    let count = 0;
    for (let p = 0; p < kc; p++) {
      const v = v128.load(at);
      bad = v128.or(bad, nonFinite(v));
      count = record(list, count, p, v);
      at += 16;
    }
    store<i32>(list + (<usize>count << 2), kc);
    store<i32>(s + COUNT_A + <usize>(r * 4), count);
  }
  return !v128.any_true(bad);
}

/**
 * Packs depth [p0, p0 + kc) × columns [j0, j0 + nc) of op(B) into panels of NR columns: panel c
 * holds, for each p, the NR values op(B)[p0 + p, j0 + NR·c .. + NR], zero past column n and past
 * depth kc. When `listed`, also lists, per panel, the depths whose NR values are not all zero,
 * and returns whether every value was finite (else false).
 */
function packB(
  b: usize, n: i32, k: i32, transB: bool, j0: i32, nc: i32, p0: i32, kc: i32, s: usize, listed: bool,
): bool {
  const zero = f32x4.splat(0);
  const panels = (nc + NR - 1) / NR;
  for (let c = 0; c < panels; c++) {
    const j = j0 + c * NR;
    const cols = min(NR, n - j);
    let dst = s + PACK_B + <usize>(c * paddedDepth(kc) * NR * 4);
    let p = 0;
    if (!transB) {
      // Stored [k, n]: the values for one depth are adjacent.
      let src = b + (<usize>p0 * n + j) * 4;
      const stride = <usize>n * 4;
      for (; p < kc; p++) {
        v128.store(dst, loadPartial(src, cols));
        v128.store(dst, cols > 4 ? loadPartial(src + 16, cols - 4) : zero, 16);
        src += stride;
        dst += 32;
      }
    } else {
      // Stored [n, k]: eight columns of op(B) are eight rows in memory; transpose 4×4 twice.
      // Columns past the edge read as zeros.
      const stride = <usize>k * 4;
      let src = b + (<usize>j * k + p0) * 4;
      for (; p + 4 <= kc; p += 4) {
        const r0 = v128.load(src);
        const r1 = cols > 1 ? v128.load(src + stride) : zero;
        const r2 = cols > 2 ? v128.load(src + stride * 2) : zero;
        const r3 = cols > 3 ? v128.load(src + stride * 3) : zero;
        const r4 = cols > 4 ? v128.load(src + stride * 4) : zero;
        const r5 = cols > 5 ? v128.load(src + stride * 5) : zero;
        const r6 = cols > 6 ? v128.load(src + stride * 6) : zero;
        const r7 = cols > 7 ? v128.load(src + stride * 7) : zero;
        transpose4(r0, r1, r2, r3, dst, 32);
        transpose4(r4, r5, r6, r7, dst + 16, 32);
        src += 16;
        dst += 128;
      }
    }
    for (; p < paddedDepth(kc); p++) {
      const pp = p0 + p;
      for (let cc = 0; cc < NR; cc++) {
        let value: f32 = 0;
        if (cc < cols && p < kc) {
          const jj = j + cc;
          value = transB ? load<f32>(b + (<usize>jj * k + pp) * 4) : load<f32>(b + (<usize>pp * n + jj) * 4);
        }
        store<f32>(dst + <usize>(cc * 4), value);
      }
      dst += 32;
    }
  }
  if (!listed) return false;
  let bad = i32x4.splat(0);
  for (let c = 0; c < panels; c++) {
    let at = s + PACK_B + <usize>(c * paddedDepth(kc) * NR * 4);
    const list = s + LIST_B + <usize>(c * KC_PADDED * 4);
    let count = 0;
    for (let p = 0; p < kc; p++) {
      const v0 = v128.load(at);
      const v1 = v128.load(at, 16);
      bad = v128.or(bad, nonFinite(f32x4.add(v0, v1)));
      count = record(list, count, p, v128.or(v0, v1));
      at += 32;
    }
    store<i32>(list + (<usize>count << 2), kc);
    store<i32>(s + COUNT_B + <usize>(c * 4), count);
  }
  return !v128.any_true(bad);
}

// The micro-kernels: one 4×8 tile of C from one packed A panel and one packed B panel. `load`
// starts from C's values (accumulating, or continuing an earlier depth block), else from zero.
// Adding +0 to a loaded C turns −0 into +0, as the reference's C + sum does.

/** Every depth in [0, depth), depth even: the dense case. */
function tileDense(a: usize, b: usize, depth: i32, c: usize, ldc: usize, fromC: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (fromC) {
    const zero = f32x4.splat(0);
    c00 = f32x4.add(v128.load(c), zero);
    c01 = f32x4.add(v128.load(c, 16), zero);
    c10 = f32x4.add(v128.load(c + ldc), zero);
    c11 = f32x4.add(v128.load(c + ldc, 16), zero);
    c20 = f32x4.add(v128.load(c + ldc * 2), zero);
    c21 = f32x4.add(v128.load(c + ldc * 2, 16), zero);
    c30 = f32x4.add(v128.load(c + ldc * 3), zero);
    c31 = f32x4.add(v128.load(c + ldc * 3, 16), zero);
  }
  // One depth per step: unrolling this loop measured slower in V8 11.3 (the listed loop below,
  // which also loads its depths from the list, gains from taking two per step).
  const end = a + (<usize>depth << 4);
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(a, 4);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(a, 8);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(a, 12);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    a += 16;
    b += 32;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + ldc * 2, c20);
  v128.store(c + ldc * 2, c21, 16);
  v128.store(c + ldc * 3, c30);
  v128.store(c + ldc * 3, c31, 16);
}

/**
 * Only the `count` depths in `list` (evened up with a depth of zeros): the terms left out are
 * exact zeros times finite numbers.
 */
function tileListed(a: usize, b: usize, list: usize, count: i32, c: usize, ldc: usize, fromC: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (fromC) {
    const zero = f32x4.splat(0);
    c00 = f32x4.add(v128.load(c), zero);
    c01 = f32x4.add(v128.load(c, 16), zero);
    c10 = f32x4.add(v128.load(c + ldc), zero);
    c11 = f32x4.add(v128.load(c + ldc, 16), zero);
    c20 = f32x4.add(v128.load(c + ldc * 2), zero);
    c21 = f32x4.add(v128.load(c + ldc * 2, 16), zero);
    c30 = f32x4.add(v128.load(c + ldc * 3), zero);
    c31 = f32x4.add(v128.load(c + ldc * 3, 16), zero);
  }
  const end = list + (<usize>((count + 1) & ~1) << 2);
  while (list < end) {
    const p = <usize>load<i32>(list);
    let pa = a + (p << 4);
    let pb = b + (p << 5);
    let b0 = v128.load(pb);
    let b1 = v128.load(pb, 16);
    let a0 = v128.load32_splat(pa);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    a0 = v128.load32_splat(pa, 4);
    c10 = madd(a0, b0, c10);
    c11 = madd(a0, b1, c11);
    a0 = v128.load32_splat(pa, 8);
    c20 = madd(a0, b0, c20);
    c21 = madd(a0, b1, c21);
    a0 = v128.load32_splat(pa, 12);
    c30 = madd(a0, b0, c30);
    c31 = madd(a0, b1, c31);
    const q = <usize>load<i32>(list, 4);
    pa = a + (q << 4);
    pb = b + (q << 5);
    b0 = v128.load(pb);
    b1 = v128.load(pb, 16);
    a0 = v128.load32_splat(pa);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    a0 = v128.load32_splat(pa, 4);
    c10 = madd(a0, b0, c10);
    c11 = madd(a0, b1, c11);
    a0 = v128.load32_splat(pa, 8);
    c20 = madd(a0, b0, c20);
    c21 = madd(a0, b1, c21);
    a0 = v128.load32_splat(pa, 12);
    c30 = madd(a0, b0, c30);
    c31 = madd(a0, b1, c31);
    list += 8;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + ldc * 2, c20);
  v128.store(c + ldc * 2, c21, 16);
  v128.store(c + ldc * 3, c30);
  v128.store(c + ldc * 3, c31, 16);
}

/**
 * In 1024ths (see matmulRowsDensity): operands sampled at least this dense are packed without
 * lists. A depth is skipped only where all four rows of a panel (or eight columns) are zero,
 * which at 7/8 of values non-zero, spread at random, happens at 1 depth in 4,096.
 */
const LISTS_BELOW: i32 = 896;

const DENSE = 0;
const SKIP_A = 1;
const SKIP_B = 2;

/**
 * out = op(a)·op(b), or out += op(a)·op(b) when `accumulate`: out [m, n], op(a) [m, k],
 * op(b) [k, n], row-major, all pointers to float32. `scratch` holds matmulScratchBytes() bytes.
 * Only rows [i0, i1) and columns [j0, j1) of out, so that threads can share the work. Each
 * element's sum runs over the same depths in the same order however the work is split, and the
 * zeros skipped add nothing, so every split gives the same bits.
 */
export function matmul(
  c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  accumulate: bool, scratch: usize, i0: i32, i1: i32, j0: i32, j1: i32,
): void {
  if (i1 <= i0 || j1 <= j0) return;
  if (k <= 0) {
    for (let i = i0; i < i1; i++) {
      for (let j = j0; j < j1; j++) {
        const at = c + (<usize>i * n + j) * 4;
        store<f32>(at, accumulate ? load<f32>(at) + 0 : 0);
      }
    }
    return;
  }
  const work = <i64>m * n * k;
  const thin = (m <= NARROW || k <= NARROW) && work <= THIN_WORK && readsInPlace(n, transB, j0);
  if (thin || ((work <= SMALL_WORK || n <= NARROW) && <usize>k * (n + 15) * 4 <= SCRATCH_BYTES)) {
    matmulSmall(c, a, b, m, n, k, transA, transB, accumulate, scratch, i0, i1, j0, j1);
    return;
  }
  const ldc = <usize>n * 4;
  // Lists and finiteness checks only pay when an operand has zeros to skip: random numbers or a
  // layer's weights have none (at W1's shapes on random numbers, 1 thread, best of 20, leaving
  // them out took z = x·Wᵀ from 283 to 258 µs, dx = dy·W from 277 to 264).
  // Whether to list is one choice for both operands, since listing one is of use only if the
  // other is checked finite.
  const listed = matmulRowsDensity(a, transA ? k : m, transA ? m : k) < LISTS_BELOW ||
    matmulRowsDensity(b, transB ? n : k, transB ? k : n) < LISTS_BELOW;
  // Equal depth blocks no longer than KC, so that no block is a sliver.
  const depthBlocks = (k + KC - 1) / KC;
  const depth = (k + depthBlocks - 1) / depthBlocks;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    const panelsB = (nc + NR - 1) / NR;
    for (let pc = 0; pc < k; pc += depth) {
      const kc = min(depth, k - pc);
      const finiteB = packB(b, n, k, transB, jc, nc, pc, kc, scratch, listed);
      const fromC = accumulate || pc > 0;
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        const panelsA = (mc + MR - 1) / MR;
        const finiteA = packA(a, m, k, transA, i1, ic, mc, pc, kc, scratch, listed);
        // Choose the cheapest way through this block: every depth, or only the depths where the
        // A panel (or the B panel) is not all zero. Listed steps cost a little more each.
        let mode = DENSE;
        let best = <i64>panelsA * panelsB * kc * 9;
        if (finiteB) {
          let steps: i64 = 0;
          for (let r = 0; r < panelsA; r++) steps += load<i32>(scratch + COUNT_A + <usize>(r * 4));
          steps *= <i64>panelsB * 10;
          if (steps < best) {
            best = steps;
            mode = SKIP_A;
          }
        }
        if (finiteA) {
          let steps: i64 = 0;
          for (let q = 0; q < panelsB; q++) steps += load<i32>(scratch + COUNT_B + <usize>(q * 4));
          steps *= <i64>panelsA * 10;
          if (steps < best) {
            best = steps;
            mode = SKIP_B;
          }
        }
        for (let q = 0; q < panelsB; q++) {
          const j = jc + q * NR;
          const cols = min(NR, j1 - j);
          const pb = scratch + PACK_B + <usize>(q * paddedDepth(kc) * NR * 4);
          for (let r = 0; r < panelsA; r++) {
            const i = ic + r * MR;
            const rows = min(MR, i1 - i);
            const pa = scratch + PACK_A + <usize>(r * paddedDepth(kc) * MR * 4);
            const full = rows == MR && cols == NR;
            const at = c + (<usize>i * n + j) * 4;
            let out = at;
            let stride = ldc;
            if (!full) {
              // An edge tile goes through a 4×8 buffer, of which only the part inside C is kept.
              out = scratch + TILE;
              stride = NR * 4;
              for (let rr = 0; rr < MR; rr++) {
                for (let cc = 0; cc < NR; cc++) {
                  const inside = fromC && rr < rows && cc < cols;
                  const value = inside ? load<f32>(at + <usize>rr * ldc + <usize>(cc * 4)) : <f32>0;
                  store<f32>(out + <usize>((rr * NR + cc) * 4), value);
                }
              }
            }
            if (mode == DENSE) {
              tileDense(pa, pb, (kc + 1) & ~1, out, stride, fromC);
            } else if (mode == SKIP_A) {
              const list = scratch + LIST_A + <usize>(r * KC_PADDED * 4);
              tileListed(pa, pb, list, load<i32>(scratch + COUNT_A + <usize>(r * 4)), out, stride, fromC);
            } else {
              const list = scratch + LIST_B + <usize>(q * KC_PADDED * 4);
              tileListed(pa, pb, list, load<i32>(scratch + COUNT_B + <usize>(q * 4)), out, stride, fromC);
            }
            if (!full) {
              for (let rr = 0; rr < rows; rr++) {
                for (let cc = 0; cc < cols; cc++) {
                  store<f32>(at + <usize>rr * ldc + <usize>(cc * 4), load<f32>(out + <usize>((rr * NR + cc) * 4)));
                }
              }
            }
          }
        }
      }
    }
  }
}

