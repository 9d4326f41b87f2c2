// The row-pair kernel: out = aᵀ·b for an a whose rows, taken two at a time, are mostly zero in
// the same places: a weight gradient computed transposed, xᵀ·dy, where x is a batch of MNIST
// digits and each row of xᵀ is one pixel over the batch. Neighbouring pixels are inked in mostly
// the same digits, so one list of the depths where either of two rows is not zero (the union)
// serves both: each value of b it loads is multiplied into two rows, in eight accumulators (two
// rows of 16 columns), where the row-list kernel's single rows keep six busy, and each pair takes
// one tile per 16 columns where two single rows took two per 24. A sample of a tells whether the
// rows overlap enough (see matmulPairsShare). Each element's sum runs over the depths in
// increasing order, the zeros of the union that are not the row's own adding exact zeros, so the
// bits are those of the other kernels.
import { CHUNK, COMPRESS, compress, MOST_DEPTH, transposeBlock } from './matmul-rows';
import { loadPartial, loadSums, madd, nonFinite, storeSums } from './vector';

/** Columns of a panel of b, and of a tile: four accumulators of four lanes per row. */
const PANEL: i32 = 16;
/**
 * A pair's list: the depths' offsets in a panel (p · PANEL · 4 bytes), then the first row's
 * values, then the second's, each array with room for MOST_DEPTH entries and SLACK more (written
 * four at a time).
 */
const SLACK: i32 = 4;
const ENTRIES_BYTES: usize = <usize>(MOST_DEPTH + SLACK) << 2;
const SECOND: usize = ENTRIES_BYTES << 1;
/** Where the transposed block of a starts in the thread's lists area (after one pair's list). */
const BLOCK: usize = ENTRIES_BYTES * 3;
/** Examples (rows of a as stored) that matmulPairsShare samples. */
const SAMPLED: i32 = 8;

/** Panels of 16 columns that b's n columns make. */
export function matmulPairsPanels(n: i32): i32 {
  return (n + PANEL - 1) / PANEL;
}

/** Bytes of b packed (see matmulPairsPack): every panel, then one finite flag per panel. */
export function matmulPairsPackedBytes(n: i32, k: i32): usize {
  const panels = <usize>matmulPairsPanels(n);
  return panels * <usize>PANEL * <usize>k * 4 + panels * 4;
}

/**
 * Packs panels [firstPanel, endPanel) of b [k, n] (stored so): panel q starts q·16·k floats in
 * and holds, for each depth p, b[p, 16q .. 16q + 16], zero past column n. Also writes each
 * panel's flag: 1 when all its values are finite. Threads may pack disjoint ranges at once.
 */
export function matmulPairsPack(b: usize, n: i32, k: i32, packed: usize, firstPanel: i32, endPanel: i32): void {
  const zero = f32x4.splat(0);
  const flags = packed + <usize>matmulPairsPanels(n) * <usize>PANEL * <usize>k * 4;
  for (let q = firstPanel; q < endPanel; q++) {
    const j = q * PANEL;
    const cols = min(PANEL, n - j);
    let src = b + (<usize>j << 2);
    let dst = packed + <usize>j * <usize>k * 4;
    let bad = i32x4.splat(0);
    for (let p = 0; p < k; p++) {
      const v0 = loadPartial(src, cols);
      const v1 = cols > 4 ? loadPartial(src + 16, cols - 4) : zero;
      const v2 = cols > 8 ? loadPartial(src + 32, cols - 8) : zero;
      const v3 = cols > 12 ? loadPartial(src + 48, cols - 12) : zero;
      v128.store(dst, v0);
      v128.store(dst, v1, 16);
      v128.store(dst, v2, 32);
      v128.store(dst, v3, 48);
      bad = v128.or(bad, nonFinite(f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3))));
      src += <usize>n << 2;
      dst += <usize>PANEL << 2;
    }
    store<i32>(flags + (<usize>q << 2), v128.any_true(bad) ? 0 : 1);
  }
}

/**
 * How much a pair's union list saves, sampled: over the first SAMPLED rows of a [k, m] (stored
 * so; the rows of aᵀ are its columns, paired as neighbours 2i and 2i + 1), the number of places
 * where either of a pair is not zero, over the number of non-zero values, in 1024ths. 512 when
 * pairs are always zero together, 1024 when never. A pair's tile does the work of two single
 * rows' tiles in about 4/3 of the time per listed depth, so it pays below about 3/4 (MNIST
 * digits: 0.585; two rows half zeros at random: 0.75). 1024 when nothing is sampled.
 */
export function matmulPairsShare(a: usize, m: i32, k: i32): i32 {
  const rows = min(k, SAMPLED);
  const pairs = m >> 1;
  let union = i32x4.splat(0);
  let nonZero = i32x4.splat(0);
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = a + <usize>r * <usize>m * 4;
    let i = 0;
    // Two pairs (four values) at a time: lanes 0 and 2 of (v ≠ 0) | (its neighbour ≠ 0) count
    // the pairs' unions.
    for (; i + 2 <= pairs; i += 2) {
      const listed = f32x4.ne(v128.load(row + (<usize>i << 3)), zero);
      nonZero = i32x4.sub(nonZero, listed);
      union = i32x4.sub(union, v128.and(v128.or(listed, i32x4.shuffle(listed, listed, 1, 0, 3, 2)), i32x4(-1, 0, -1, 0)));
    }
    for (; i < pairs; i++) {
      const first = load<f32>(row + (<usize>i << 3)) != 0;
      const second = load<f32>(row + (<usize>i << 3) + 4) != 0;
      nonZero = i32x4.add(nonZero, i32x4(<i32>first + <i32>second, 0, 0, 0));
      union = i32x4.add(union, i32x4(<i32>(first || second), 0, 0, 0));
    }
  }
  const total = i32x4.extract_lane(nonZero, 0) + i32x4.extract_lane(nonZero, 1) +
    i32x4.extract_lane(nonZero, 2) + i32x4.extract_lane(nonZero, 3);
  const unions = i32x4.extract_lane(union, 0) + i32x4.extract_lane(union, 2);
  if (total == 0) return 1024;
  return <i32>((<i64>unions << 10) / <i64>total);
}

/**
 * The union list of two rows of `block` (first at `first`, second at `second`, kc values each):
 * the depths where either is not zero (NaN counts as not zero), or every depth when
 * `everyDepth`, as offsets and both rows' values. Returns its length.
 */
function listPair(first: usize, second: usize, kc: i32, list: usize, everyDepth: bool): i32 {
  const zero = f32x4.splat(0);
  const all = everyDepth ? 15 : 0;
  let offsets = i32x4(0, PANEL * 4, PANEL * 8, PANEL * 12);
  const four = i32x4.splat(PANEL * 16);
  let count = 0;
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const v = v128.load(first + (<usize>p << 2));
    const w = v128.load(second + (<usize>p << 2));
    const mask = all | i32x4.bitmask(v128.or(f32x4.ne(v, zero), f32x4.ne(w, zero)));
    if (mask != 0) {
      const order = v128.load(COMPRESS + (<usize>mask << 4));
      const entry = list + (<usize>count << 2);
      v128.store(entry, compress(offsets, order));
      v128.store(entry, compress(v, order), ENTRIES_BYTES);
      v128.store(entry, compress(w, order), SECOND);
      count += popcnt(mask);
    }
    offsets = i32x4.add(offsets, four);
  }
  for (; p < kc; p++) {
    const v = load<f32>(first + (<usize>p << 2));
    const w = load<f32>(second + (<usize>p << 2));
    const entry = list + (<usize>count << 2);
    store<i32>(entry, p * PANEL * 4);
    store<f32>(entry, v, ENTRIES_BYTES);
    store<f32>(entry, w, SECOND);
    count += everyDepth || v != 0 || w != 0 ? 1 : 0;
  }
  return count;
}

/**
 * Two rows of out, 16 columns from `c` (the second row `step` bytes further, written only when
 * `both`): sums over the list's entries of each row's value times the panel's row, from out's
 * values when `fromC`.
 */
function tilePair(list: usize, count: i32, panel: usize, c: usize, step: usize, cols: i32, both: bool, fromC: bool): void {
  const next = c + step;
  let c0 = loadSums(c, 0, cols, fromC), c1 = loadSums(c, 1, cols, fromC);
  let c2 = loadSums(c, 2, cols, fromC), c3 = loadSums(c, 3, cols, fromC);
  const fromNext = fromC && both;
  let d0 = loadSums(next, 0, cols, fromNext), d1 = loadSums(next, 1, cols, fromNext);
  let d2 = loadSums(next, 2, cols, fromNext), d3 = loadSums(next, 3, cols, fromNext);
  const end = list + (<usize>count << 2);
  for (let e = list; e < end; e += 4) {
    const b = panel + <usize>load<i32>(e);
    const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
    const x = v128.load32_splat(e, ENTRIES_BYTES);
    c0 = madd(x, b0, c0);
    c1 = madd(x, b1, c1);
    c2 = madd(x, b2, c2);
    c3 = madd(x, b3, c3);
    const y = v128.load32_splat(e, SECOND);
    d0 = madd(y, b0, d0);
    d1 = madd(y, b1, d1);
    d2 = madd(y, b2, d2);
    d3 = madd(y, b3, d3);
  }
  storeSums(c, 0, cols, c0);
  storeSums(c, 1, cols, c1);
  storeSums(c, 2, cols, c2);
  storeSums(c, 3, cols, c3);
  if (!both) return;
  storeSums(next, 0, cols, d0);
  storeSums(next, 1, cols, d1);
  storeSums(next, 2, cols, d2);
  storeSums(next, 3, cols, d3);
}

/**
 * Rows [i0, i1) (i0 even) of out [m, n] = aᵀ·b, or out += aᵀ·b when `accumulate`: a [k, m] and
 * b [k, n] as stored, k at most MOST_DEPTH, b packed by matmulPairsPack. `lists` holds the
 * thread's ROWS_LIST_BYTES (see matmul-rows.as). Zeros of a are left out only when b is all
 * finite (0·Inf and 0·NaN are NaN).
 */
export function matmulPairsCompute(
  c: usize, a: usize, m: i32, n: i32, k: i32, accumulate: bool, packed: usize, lists: usize, i0: i32, i1: i32,
): void {
  const panels = matmulPairsPanels(n);
  const flags = packed + <usize>panels * <usize>PANEL * <usize>k * 4;
  let finite = true;
  for (let q = 0; q < panels; q++) finite = finite && load<i32>(flags + (<usize>q << 2)) != 0;
  const block = lists + BLOCK;
  const step = <usize>n << 2;
  for (let ic = i0; ic < i1; ic += CHUNK) {
    const rows = min(CHUNK, i1 - ic);
    transposeBlock(a, m, ic, rows, 0, k, block);
    for (let r = 0; r < rows; r += 2) {
      const both = r + 1 < rows;
      const first = block + <usize>r * <usize>k * 4;
      // A last row alone is listed with itself as its pair, and only its own sums are written.
      const count = listPair(first, both ? first + (<usize>k << 2) : first, k, lists, !finite);
      const at = c + <usize>(ic + r) * step;
      for (let q = 0; q < panels; q++) {
        const j = q * PANEL;
        tilePair(lists, count, packed + <usize>j * <usize>k * 4, at + (<usize>j << 2), step, min(PANEL, n - j), both, accumulate);
      }
    }
  }
}
