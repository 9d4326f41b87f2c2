// The row-list matrix kernel: C = A·op(B) (or C += ...) on float32, for an A that is mostly
// zeros. Each row of A is read as the list of its non-zero values, so that a row of an MNIST
// digit (81% zeros) or of ReLU outputs (about half) costs that share of a dense one; op(B) is
// packed into panels of 24 columns, and each row of C is computed 24 columns at a time in six
// f32x4 accumulators. matmul's tiles of four rows skip only the depths all four rows leave zero
// (39% of depths are kept for MNIST digits, against 19% of pixels), but they go faster on dense
// rows, which share each value of op(B) they load between four rows.
import { loadPartial, loadSums, madd, nonFinite, storeSums, transpose4 } from './vector';

/**
 * Columns of op(B) in a full panel, and so in a tile: six accumulators of four lanes. V8 loads
 * the panel's six vectors before it multiplies, so six accumulators, six loaded values and the
 * splat fill 13 of the 15 SIMD registers it allocates; eight would spill to the stack.
 */
const PANEL: i32 = 24;
/** Columns from which panels are cut in two halves (see panelWidth). */
const HALVES_FROM: i32 = 64;
/** Blocks of packed op(B) up to this size are gone through row by row (see matmulRowsCompute). */
const ROW_ORDER_BYTES: usize = 32 << 10;
/** Rows of op(A) whose lists are built at once. */
export const CHUNK: i32 = 32;
/**
 * The most depths per block (the caller chooses the block depth: see rowsBlockDepth in
 * wasm-backend.ts): what each thread's lists hold, for CHUNK rows.
 */
export const MOST_DEPTH: i32 = 1024;
/**
 * A row's list is two arrays of four-byte entries: the listed depths' offsets in an 8-column
 * panel, p · DEPTH_BYTES (i32), then, VALUES bytes further, a's values there (f32), each array
 * with room for the deepest block and SLACK entries more (lists are written four entries at a
 * time, some past their end). A tile w columns wide finds a depth's values (w / 8) · offset bytes
 * into its panel, without a multiplication, and the value at a constant distance from the
 * offset, without an addition.
 */
const DEPTH_BYTES: i32 = 32;
const SLACK: i32 = 4;
const VALUES: usize = <usize>(MOST_DEPTH + SLACK) << 2;
/** List offsets of depths 0 to 3, and what adds 4, 8, 12 and 16 depths to offsets. */
const FIRST_OFFSETS = i32x4(0, DEPTH_BYTES, 2 * DEPTH_BYTES, 3 * DEPTH_BYTES);
const FOUR_DEPTHS = i32x4(4 * DEPTH_BYTES, 4 * DEPTH_BYTES, 4 * DEPTH_BYTES, 4 * DEPTH_BYTES);
const EIGHT_DEPTHS = i32x4(8 * DEPTH_BYTES, 8 * DEPTH_BYTES, 8 * DEPTH_BYTES, 8 * DEPTH_BYTES);
const TWELVE_DEPTHS = i32x4(12 * DEPTH_BYTES, 12 * DEPTH_BYTES, 12 * DEPTH_BYTES, 12 * DEPTH_BYTES);
const SIXTEEN_DEPTHS = i32x4(16 * DEPTH_BYTES, 16 * DEPTH_BYTES, 16 * DEPTH_BYTES, 16 * DEPTH_BYTES);
/** Bytes of one row's list, both arrays. */
const LIST_BYTES: usize = VALUES << 1;

/**
 * For each mask of four lanes (bit l set: lane l is listed), the byte indices that move the
 * listed lanes of a vector to its front, in order (i8x16.swizzle; 255 gives zero bytes).
 */
export const COMPRESS: usize = memory.data<u8>([
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  0, 1, 2, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  4, 5, 6, 7, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  0, 1, 2, 3, 4, 5, 6, 7, 255, 255, 255, 255, 255, 255, 255, 255,
  8, 9, 10, 11, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  0, 1, 2, 3, 8, 9, 10, 11, 255, 255, 255, 255, 255, 255, 255, 255,
  4, 5, 6, 7, 8, 9, 10, 11, 255, 255, 255, 255, 255, 255, 255, 255,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255, 255, 255, 255,
  12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  0, 1, 2, 3, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255,
  4, 5, 6, 7, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 255, 255, 255, 255,
  8, 9, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
]);

/**
 * The width of the panel that starts at column j of n: PANEL while more than 32 columns are
 * left, then 16 (24 + 8 would leave a narrow tile, which waits on its two accumulators), the
 * last one rounded up to 8, 16 or 24 columns (zeros past n). From HALVES_FROM columns on, each
 * half (the first rounded up to a multiple of 8) is cut so on its own: two threads that share
 * the panels of a product with few rows then get as many columns each (128 columns: 24, 24, 16
 * twice, where one pass gave 24, 24, 24 | 24, 16, 16, 72 columns against 56), while one thread
 * alone has as many panels to go through, or one more.
 */
@inline function panelWidth(n: i32, j: i32): i32 {
  const half = n >= HALVES_FROM ? ((n + 15) >> 4) << 3 : n;
  const left = (j < half ? half : n) - j;
  if (left > 32) return PANEL;
  if (left > 24) return 16;
  return left > 16 ? PANEL : left > 8 ? 16 : 8;
}

/**
 * Bytes of a block of op(B) with kc depths, packed. Every panel spans as many columns as it is
 * wide, but the last, which may be wider: the panel of column j starts j·kc floats in.
 */
function packedBytes(n: i32, kc: i32): usize {
  let j = 0;
  while (j + panelWidth(n, j) < n) j += panelWidth(n, j);
  return <usize>(j + panelWidth(n, j)) * <usize>kc * 4;
}


/**
 * Bytes of the packed op(B) for a product with n columns and depth k: each depth block holds
 * every panel, the block of depth p0 starting p0·(padded n) floats in. Then one flag per panel
 * (is the panel all finite?), indexed by the panel's first column divided by 8.
 */
export function matmulRowsPackedBytes(n: i32, k: i32): usize {
  return paddedColumns(n) * <usize>k * 4 + flagBytes(n);
}

/**
 * Bytes of one thread's lists: CHUNK rows of up to a block's depths each, their lengths, and room
 * for a block of a transposed op(a) (see buildLists).
 */
export const ROWS_LIST_BYTES: usize =
  <usize>CHUNK * LIST_BYTES + <usize>CHUNK * 4 + <usize>CHUNK * <usize>MOST_DEPTH * 4;

@inline function paddedColumns(n: i32): usize {
  return packedBytes(n, 1) >> 2;
}

@inline function flagBytes(n: i32): usize {
  return <usize>((n + 7) >> 3) << 2;
}



/** The number of panels op(B)'s n columns make. */
export function matmulRowsPanels(n: i32): i32 {
  let panels = 0;
  for (let j = 0; j < n; j += panelWidth(n, j)) panels++;
  return panels;
}

/**
 * Packs panels [firstPanel, endPanel) of op(B) [k, n], every depth, in blocks of `depth` depths
 * (the last one shorter), into `packed` (see matmulRowsPackedBytes): in the block of depths
 * [p0, p0 + kc), the panel of column j starts
 * j·kc floats in and holds, for each depth, its width's values op(B)[p, j ..], zero past column
 * n. Also writes each panel's flag: 1 when all its values are finite (the check adds vectors
 * first, so huge finite values may count as not finite: that only turns skipping off). Threads
 * may pack disjoint ranges of panels at once.
 */
export function matmulRowsPack(
  b: usize, n: i32, k: i32, depth: i32, transB: bool, packed: usize, firstPanel: i32, endPanel: i32,
): void {
  let j0 = 0;
  for (let q = 0; q < firstPanel; q++) j0 += panelWidth(n, j0);
  let j1 = j0;
  for (let q = firstPanel; q < endPanel; q++) j1 += panelWidth(n, j1);
  j1 = min(j1, n);
  const zero = f32x4.splat(0);
  const padded = paddedColumns(n);
  const flags = packed + padded * <usize>k * 4;
  for (let j = j0; j < j1; j += panelWidth(n, j)) {
    const width = panelWidth(n, j);
    const cols = min(width, n - j);
    const step = <usize>width << 2;
    let bad = i32x4.splat(0);
    for (let p0 = 0; p0 < k; p0 += depth) {
      const kc = min(depth, k - p0);
      const panel = packed + ((<usize>p0 * padded + <usize>j * kc) << 2);
      if (!transB) {
        // Stored [k, n]: each depth's values are adjacent.
        let src = b + ((<usize>p0 * n + j) << 2);
        let dst = panel;
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < width; c += 4) {
            const v = c < cols ? loadPartial(src + (<usize>c << 2), cols - c) : zero;
            v128.store(dst + (<usize>c << 2), v);
            bad = v128.or(bad, nonFinite(v));
          }
          src += <usize>n << 2;
          dst += step;
        }
      } else {
        // Stored [n, k]: the panel's columns are rows of b; transpose 4×4 blocks, four depths
        // at a time, with rows past the edge read as zeros.
        const stride = <usize>k << 2;
        for (let c = 0; c < width; c += 4) {
          const rows = min(4, cols - c);
          const src = b + ((<usize>(j + c) * k + p0) << 2);
          let p = 0;
          for (; p + 4 <= kc; p += 4) {
            const at = src + (<usize>p << 2);
            const r0 = rows > 0 ? v128.load(at) : zero;
            const r1 = rows > 1 ? v128.load(at + stride) : zero;
            const r2 = rows > 2 ? v128.load(at + stride * 2) : zero;
            const r3 = rows > 3 ? v128.load(at + stride * 3) : zero;
            transpose4(r0, r1, r2, r3, panel + <usize>p * step + (<usize>c << 2), step);
            bad = v128.or(bad, nonFinite(f32x4.add(f32x4.add(r0, r1), f32x4.add(r2, r3))));
          }
          for (; p < kc; p++) {
            let v = zero;
            const at = src + (<usize>p << 2);
            if (rows > 0) v = f32x4.replace_lane(v, 0, load<f32>(at));
            if (rows > 1) v = f32x4.replace_lane(v, 1, load<f32>(at + stride));
            if (rows > 2) v = f32x4.replace_lane(v, 2, load<f32>(at + stride * 2));
            if (rows > 3) v = f32x4.replace_lane(v, 3, load<f32>(at + stride * 3));
            v128.store(panel + <usize>p * step + (<usize>c << 2), v);
            bad = v128.or(bad, nonFinite(v));
          }
        }
      }
    }
    store<i32>(flags + (<usize>(j >> 3) << 2), v128.any_true(bad) ? 0 : 1);
  }
}

/**
 * Writes the entry (p, value) at position `count` of the list whose offsets are at `list` and
 * whose values are VALUES bytes further, and returns the list's new length: count + keep.
 * Writing whether or not the entry is kept avoids a branch the processor would often guess
 * wrong.
 */
@inline function append(list: usize, count: i32, p: i32, value: f32, keep: i32): i32 {
  const entry = list + (<usize>count << 2);
  store<i32>(entry, p * DEPTH_BYTES);
  store<f32>(entry, value, VALUES);
  return count + keep;
}

/**
 * Appends the lanes of v that `mask` lists (depths p .. p + 3, whose entries' offsets are the
 * lanes of `offsets`) at position `count` of a list, as append does, four at a time: the listed
 * lanes are moved to the front of the vector, which is stored whole (the lanes past the new
 * length are overwritten later or never read, so the relaxed build may let its swizzle put
 * anything there).
 */
@inline function appendFour(list: usize, count: i32, offsets: v128, v: v128, mask: i32): i32 {
  const order = v128.load(COMPRESS + (<usize>mask << 4));
  const entry = list + (<usize>count << 2);
  v128.store(entry, compress(offsets, order));
  v128.store(entry, compress(v, order), VALUES);
  return count + popcnt(mask);
}

/** i8x16.swizzle; the relaxed build's leaves the lanes COMPRESS marks 255 unspecified. */
@inline export function compress(v: v128, order: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i8x16.relaxed_swizzle(v, order);
  return i8x16.swizzle(v, order);
}

/**
 * Lists, for each of rows [i0, i0 + rows) of op(a) [m, k], the depths p in [p0, p0 + kc) where
 * it is not zero (NaN counts as not zero: it must never be skipped), or every depth when
 * `everyDepth`, as entries ((p − p0) · DEPTH_BYTES, value). Row r's list starts r · LIST_BYTES
 * bytes into `lists`; its length goes to counts[r]. a is stored [m, k], or [k, m] when
 * transposed (a layer's inputs x, for its weight gradient dyᵀ·x computed as (xᵀ·dy)ᵀ: see
 * matmulTranspose).
 */
function buildLists(
  a: usize, m: i32, k: i32, transA: bool, i0: i32, rows: i32, p0: i32, kc: i32,
  lists: usize, counts: usize, everyDepth: bool,
): void {
  const zero = f32x4.splat(0);
  const all = everyDepth ? 15 : 0;
  if (!transA) {
    for (let r = 0; r < rows; r++) {
      const row = a + ((<usize>(i0 + r) * k + p0) << 2);
      const list = lists + <usize>r * LIST_BYTES;
      let count = 0;
      let p = 0;
      // The offsets of depths p .. p + 3, kept in a vector rather than made from p each time.
      let offsets = FIRST_OFFSETS;
      // Sixteen values at a time, listed four at a time without a branch; sixteen zeros (the
      // edges of a digit) cost one test. (Listing takes about a fifth of 10,000 × 784 → 128's
      // time, as much as when each four was tested and listed value by value.)
      for (; p + 16 <= kc; p += 16) {
        const at = row + (<usize>p << 2);
        const v0 = v128.load(at), v1 = v128.load(at, 16), v2 = v128.load(at, 32), v3 = v128.load(at, 48);
        const mask0 = all | i32x4.bitmask(f32x4.ne(v0, zero));
        const mask1 = all | i32x4.bitmask(f32x4.ne(v1, zero));
        const mask2 = all | i32x4.bitmask(f32x4.ne(v2, zero));
        const mask3 = all | i32x4.bitmask(f32x4.ne(v3, zero));
        if ((mask0 | mask1 | mask2 | mask3) != 0) {
          count = appendFour(list, count, offsets, v0, mask0);
          count = appendFour(list, count, i32x4.add(offsets, FOUR_DEPTHS), v1, mask1);
          count = appendFour(list, count, i32x4.add(offsets, EIGHT_DEPTHS), v2, mask2);
          count = appendFour(list, count, i32x4.add(offsets, TWELVE_DEPTHS), v3, mask3);
        }
        offsets = i32x4.add(offsets, SIXTEEN_DEPTHS);
      }
      for (; p + 4 <= kc; p += 4) {
        const v = v128.load(row + (<usize>p << 2));
        count = appendFour(list, count, offsets, v, all | i32x4.bitmask(f32x4.ne(v, zero)));
        offsets = i32x4.add(offsets, FOUR_DEPTHS);
      }
      for (; p < kc; p++) {
        const value = load<f32>(row + (<usize>p << 2));
        count = append(list, count, p, value, everyDepth || value != 0 ? 1 : 0);
      }
      store<i32>(counts + (<usize>r << 2), count);
    }
    return;
  }
  // Stored [k, m]: the chunk's block is transposed first, then listed row by row as above.
  // (Listing four columns at a time, each into its own list, kept too many counts and
  // addresses for the registers V8 gives: listing the columns of a 64 × 784 batch took 80 µs.)
  const block = lists + <usize>CHUNK * LIST_BYTES + <usize>CHUNK * 4;
  transposeBlock(a, m, i0, rows, p0, kc, block);
  buildLists(block, rows, kc, false, 0, rows, 0, kc, lists, counts, everyDepth);
}

/**
 * block [rows, kc] = the block of a [k, m] (stored so) at depths [p0, p0 + kc) and columns
 * [i0, i0 + rows), transposed: 4 × 4 at a time, the edges one by one. matmulTranspose does the
 * same job in the other loop order (four rows of its input at a time), and each order suits its
 * own use: one strided transpose for both, 1 thread, alternating runs, took 64 × 784 → 128's
 * dW from 172 to 195 µs in matmulTranspose's order, and W4's 512 × 784 dW from 1870 to 1980 µs
 * in this one.
 */
export function transposeBlock(a: usize, m: i32, i0: i32, rows: i32, p0: i32, kc: i32, block: usize): void {
  const stride = <usize>m << 2;
  const step = <usize>kc << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    let src = a + ((<usize>p0 * m + i0 + r) << 2);
    const dst = block + ((<usize>r * kc) << 2);
    let p = 0;
    for (; p + 4 <= kc; p += 4) {
      transpose4(
        v128.load(src), v128.load(src + stride), v128.load(src + stride * 2), v128.load(src + stride * 3),
        dst + (<usize>p << 2), step,
      );
      src += stride * 4;
    }
    for (; p < kc; p++) {
      for (let c = 0; c < 4; c++) store<f32>(dst + <usize>c * step + (<usize>p << 2), load<f32>(src + (<usize>c << 2)));
      src += stride;
    }
  }
  for (; r < rows; r++) {
    for (let p = 0; p < kc; p++) {
      store<f32>(block + ((<usize>r * kc + p) << 2), load<f32>(a + ((<usize>(p0 + p) * m + i0 + r) << 2)));
    }
  }
}

/**
 * One row of C, 24 columns: C[i, j ..] (+)= Σ over the list's entries of value · panel[p], in the
 * list's order (increasing p), each column in one accumulator. Two entries per turn of the loop,
 * with a way out between them: V8 checks for interrupts once per turn, and it does not hoist the
 * second entry's loads above that exit (a turn of two entries without it had all twelve vectors
 * loaded first and half of them spilled: 10,000 × 784 → 128, 1 thread, 21.6 ms against 18.0).
 */
function tile24(list: usize, count: i32, panel: usize, c: usize, cols: i32, fromC: bool): void {
  let c0 = loadSums(c, 0, cols, fromC), c1 = loadSums(c, 1, cols, fromC);
  let c2 = loadSums(c, 2, cols, fromC), c3 = loadSums(c, 3, cols, fromC);
  let c4 = loadSums(c, 4, cols, fromC), c5 = loadSums(c, 5, cols, fromC);
  const end = list + (<usize>count << 2);
  let e = list;
  if (e < end) {
    while (true) {
      let x = v128.load32_splat(e, VALUES);
      let b = panel + <usize>load<i32>(e) * 3;
      c0 = madd(x, v128.load(b), c0);
      c1 = madd(x, v128.load(b, 16), c1);
      c2 = madd(x, v128.load(b, 32), c2);
      c3 = madd(x, v128.load(b, 48), c3);
      c4 = madd(x, v128.load(b, 64), c4);
      c5 = madd(x, v128.load(b, 80), c5);
      e += 4;
      if (e >= end) break;
      x = v128.load32_splat(e, VALUES);
      b = panel + <usize>load<i32>(e) * 3;
      c0 = madd(x, v128.load(b), c0);
      c1 = madd(x, v128.load(b, 16), c1);
      c2 = madd(x, v128.load(b, 32), c2);
      c3 = madd(x, v128.load(b, 48), c3);
      c4 = madd(x, v128.load(b, 64), c4);
      c5 = madd(x, v128.load(b, 80), c5);
      e += 4;
      if (e >= end) break;
    }
  }
  storeSums(c, 0, cols, c0);
  storeSums(c, 1, cols, c1);
  storeSums(c, 2, cols, c2);
  storeSums(c, 3, cols, c3);
  storeSums(c, 4, cols, c4);
  storeSums(c, 5, cols, c5);
}

/** As tile24, for a panel 16 wide. */
function tile16(list: usize, count: i32, panel: usize, c: usize, cols: i32, fromC: bool): void {
  let c0 = loadSums(c, 0, cols, fromC), c1 = loadSums(c, 1, cols, fromC);
  let c2 = loadSums(c, 2, cols, fromC), c3 = loadSums(c, 3, cols, fromC);
  const end = list + (<usize>count << 2);
  let e = list;
  if (e < end) {
    while (true) {
      let x = v128.load32_splat(e, VALUES);
      let b = panel + (<usize>load<i32>(e) << 1);
      c0 = madd(x, v128.load(b), c0);
      c1 = madd(x, v128.load(b, 16), c1);
      c2 = madd(x, v128.load(b, 32), c2);
      c3 = madd(x, v128.load(b, 48), c3);
      e += 4;
      if (e >= end) break;
      x = v128.load32_splat(e, VALUES);
      b = panel + (<usize>load<i32>(e) << 1);
      c0 = madd(x, v128.load(b), c0);
      c1 = madd(x, v128.load(b, 16), c1);
      c2 = madd(x, v128.load(b, 32), c2);
      c3 = madd(x, v128.load(b, 48), c3);
      e += 4;
      if (e >= end) break;
    }
  }
  storeSums(c, 0, cols, c0);
  storeSums(c, 1, cols, c1);
  storeSums(c, 2, cols, c2);
  storeSums(c, 3, cols, c3);
}

/** As tile24, for a panel 8 wide. */
function tile8(list: usize, count: i32, panel: usize, c: usize, cols: i32, fromC: bool): void {
  let c0 = loadSums(c, 0, cols, fromC), c1 = loadSums(c, 1, cols, fromC);
  const end = list + (<usize>count << 2);
  let e = list;
  if (e < end) {
    while (true) {
      let x = v128.load32_splat(e, VALUES);
      let b = panel + <usize>load<i32>(e);
      c0 = madd(x, v128.load(b), c0);
      c1 = madd(x, v128.load(b, 16), c1);
      e += 4;
      if (e >= end) break;
      x = v128.load32_splat(e, VALUES);
      b = panel + <usize>load<i32>(e);
      c0 = madd(x, v128.load(b), c0);
      c1 = madd(x, v128.load(b, 16), c1);
      e += 4;
      if (e >= end) break;
    }
  }
  storeSums(c, 0, cols, c0);
  storeSums(c, 1, cols, c1);
}

/**
 * Rows [i0, i1) and panels [firstPanel, endPanel) of out = op(a)·op(b), or out += op(a)·op(b)
 * when `accumulate`: op(a) [m, k], op(b) [k, n] with those panels already packed by
 * matmulRowsPack in blocks of `depth` (at most MOST_DEPTH), out [m, n], row-major, all pointers to float32. `lists` holds ROWS_LIST_BYTES
 * bytes of this thread's own (the start of its matmul scratch).
 * Each element's sum runs over the depths in increasing order, zeros of a left out (adding an
 * exact zero changes no sum's bits, and they are left out only when the panels are all finite,
 * since 0·Inf and 0·NaN are NaN), so it has the same bits as matmul's, however threads share the
 * rows and panels.
 */
export function matmulRowsCompute(
  c: usize, a: usize, m: i32, n: i32, k: i32, depth: i32, transA: bool, accumulate: bool, packed: usize,
  lists: usize, i0: i32, i1: i32, firstPanel: i32, endPanel: i32,
): void {
  if (i1 <= i0 || endPanel <= firstPanel) return;
  const padded = paddedColumns(n);
  const flags = packed + padded * <usize>k * 4;
  let j0 = 0;
  for (let q = 0; q < firstPanel; q++) j0 += panelWidth(n, j0);
  let j1 = j0;
  let finite = true;
  for (let q = firstPanel; q < endPanel; q++) {
    finite = finite && load<i32>(flags + (<usize>(j1 >> 3) << 2)) != 0;
    j1 += panelWidth(n, j1);
  }
  j1 = min(j1, n);
  const counts = lists + <usize>CHUNK * LIST_BYTES;
  // A chunk of rows goes through every depth block before the next chunk starts, so that its
  // part of out stays in the caches while its sums grow.
  for (let ic = i0; ic < i1; ic += CHUNK) {
    const rows = min(CHUNK, i1 - ic);
    for (let p0 = 0; p0 < k; p0 += depth) {
      const kc = min(depth, k - p0);
      const block = packed + (<usize>p0 * padded << 2);
      const fromC = accumulate || p0 > 0;
      buildLists(a, m, k, transA, ic, rows, p0, kc, lists, counts, !finite);
      if (!fromC) {
        // A row with an empty list (a pixel no digit of the batch inks, when computing a
        // weight gradient transposed) is all zeros: written at once, not tile by tile.
        for (let r = 0; r < rows; r++) {
          if (load<i32>(counts + (<usize>r << 2)) == 0) zeroRow(c + ((<usize>(ic + r) * n + j0) << 2), j1 - j0);
        }
      }
      if (<usize>kc * padded * 4 <= ROW_ORDER_BYTES) {
        // The block's panels fit in the first-level cache together: each row goes through all
        // of them at once, so its list's length repeats from tile to tile, and the processor
        // foresees where each tile's loop ends (a weight gradient computed transposed, 784 ×
        // 128 over 64 digits: 133 µs against 139).
        for (let r = 0; r < rows; r++) {
          const count = load<i32>(counts + (<usize>r << 2));
          if (count == 0 && !fromC) continue;
          const list = lists + <usize>r * LIST_BYTES;
          const at = c + (<usize>(ic + r) * n << 2);
          for (let j = j0; j < j1; j += panelWidth(n, j)) tile(list, count, block, kc, n, j, at, fromC);
        }
      } else {
        // Panel after panel, each one's hot depths staying in the caches through every row (a
        // layer's weighted sums, 64 digits × 784 → 128: 99 µs against 111 row by row).
        for (let j = j0; j < j1; j += panelWidth(n, j)) {
          for (let r = 0; r < rows; r++) {
            const count = load<i32>(counts + (<usize>r << 2));
            if (count == 0 && !fromC) continue;
            tile(lists + <usize>r * LIST_BYTES, count, block, kc, n, j, c + (<usize>(ic + r) * n << 2), fromC);
          }
        }
      }
    }
  }
}

/**
 * The tile of one row's list (`count` entries) and the panel of column j, in a block of kc
 * depths; `row` is the row of C.
 */
@inline function tile(list: usize, count: i32, block: usize, kc: i32, n: i32, j: i32, row: usize, fromC: bool): void {
  const width = panelWidth(n, j);
  const cols = min(width, n - j);
  const panel = block + (<usize>j * kc << 2);
  const at = row + (<usize>j << 2);
  if (width == PANEL) tile24(list, count, panel, at, cols, fromC);
  else if (width == 16) tile16(list, count, panel, at, cols, fromC);
  else tile8(list, count, panel, at, cols, fromC);
}

/** Writes `count` float32 zeros from `at`. */
function zeroRow(at: usize, count: i32): void {
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= count; j += 4) v128.store(at + (<usize>j << 2), zero);
  for (; j < count; j++) store<f32>(at + (<usize>j << 2), 0);
}

/**
 * What matmulRowsDensity samples: up to DENSITY_ROWS rows, and no more rows than hold
 * DENSITY_VALUES values (at least one). Two digits (1,568 pixels) tell their ink (19% on
 * average, 2% of MNIST's training digits past 30%) well enough for choices made at 65% and 35%:
 * one pair of consecutive training digits in 30,000 averages more than 35%, and a choice that
 * goes the other way costs time, never bits. Alternating runs of the video network's 10 × 784 → 16 product, 1 thread: best
 * 9.1-9.4 µs sampling eight digits, 8.7-8.8 sampling two.
 */
const DENSITY_ROWS: i32 = 8;
const DENSITY_VALUES: i32 = 2048;

/**
 * The share of non-zero values in the first rows of a [m, k], in 1024ths (see DENSITY_ROWS;
 * stored so, or transposed, its columns, which are as sparse). A whole number, so that
 * JavaScript receives it without allocating, as it would a float64: whether the row-list kernel should compute a times anything,
 * skipping its zeros row by row where matmul's tiles of four rows would only skip the depths that
 * all four rows leave zero (for MNIST digits, 19% of pixels against 39% of depths), and how
 * deep its blocks should be (see wasm-backend.ts).
 */
export function matmulRowsDensity(a: usize, m: i32, k: i32): i32 {
  const rows = min(m, min(DENSITY_ROWS, max(1, DENSITY_VALUES / max(k, 1))));
  const count = <usize>rows * k;
  let nonZero = i32x4.splat(0);
  let at: usize = 0;
  const end = count << 2;
  for (; at + 16 <= end; at += 16) nonZero = i32x4.sub(nonZero, f32x4.ne(v128.load(a + at), f32x4.splat(0)));
  let total = i32x4.extract_lane(nonZero, 0) + i32x4.extract_lane(nonZero, 1) +
    i32x4.extract_lane(nonZero, 2) + i32x4.extract_lane(nonZero, 3);
  for (; at < end; at += 4) total += load<f32>(a + at) != 0 ? 1 : 0;
  return <i32>((<i64>total << 10) / <i64>count);
}

/**
 * out [cols, rows] = inᵀ for rows [first, end) of in [rows, cols] (first a multiple of 4, so
 * that threads can share the rows), 4×4 blocks at a time. The row-list kernel computes a weight
 * gradient dyᵀ·x as xᵀ·dy, listing the input's columns (x is the sparse one), into a buffer it
 * then transposes into place; accumulating, the buffer starts as the gradient transposed.
 */
export function matmulTranspose(out: usize, from: usize, rows: i32, cols: i32, first: i32, end: i32): void {
  const rowBytes = <usize>cols << 2;
  const outBytes = <usize>rows << 2;
  let i = first;
  for (; i + 4 <= end; i += 4) {
    const src = from + <usize>i * rowBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const at = src + (<usize>j << 2);
      transpose4(
        v128.load(at), v128.load(at + rowBytes), v128.load(at + rowBytes * 2), v128.load(at + rowBytes * 3),
        out + <usize>j * outBytes + (<usize>i << 2), outBytes,
      );
    }
    for (; j < cols; j++) {
      for (let r = 0; r < 4; r++) {
        store<f32>(out + <usize>j * outBytes + (<usize>(i + r) << 2), load<f32>(src + <usize>r * rowBytes + (<usize>j << 2)));
      }
    }
  }
  for (; i < end; i++) {
    for (let j = 0; j < cols; j++) {
      store<f32>(out + <usize>j * outBytes + (<usize>i << 2), load<f32>(from + <usize>i * rowBytes + (<usize>j << 2)));
    }
  }
}
