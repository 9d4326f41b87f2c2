// Deskewing, image by image, with deskewImage's arithmetic (data/deskew.ts) step for step in
// float64, so that every pixel comes out with the same bits. Its running sums must keep their
// order, so SIMD lanes take different images rather than different pixels: the moments of four
// images are summed at once, in two float64 pairs. The shear reads, for each pixel, the two pixels
// it falls between; along a row they are adjacent, so four pixels take five adjacent values.

/** Zeros on each side of the row the shear reads, so that reads past its ends give 0. */
const MARGIN: i32 = 64;

/**
 * Bytes of scratch that deskew needs for images `width` pixels wide: one row with MARGIN zeros
 * on each side, or none when that does not fit `scratchBytes` (the shear then takes the slow
 * path on every row).
 */
@inline function paddedRowBytes(width: i32): usize {
  return <usize>(width + 2 * MARGIN) << 2;
}

/**
 * Deskews rows images of x [rows, width·height] into y, as deskewImage does. `scratch` holds
 * `scratchBytes` bytes of this thread's own (its matmul scratch).
 */
export function deskew(y: usize, x: usize, rows: i32, width: i32, height: i32, scratch: usize, scratchBytes: usize): void {
  const bytes = <usize>width * height * 4;
  let padded: usize = 0;
  if (paddedRowBytes(width) <= scratchBytes) {
    padded = scratch;
    memory.fill(padded, 0, <usize>MARGIN << 2);
    memory.fill(padded + (<usize>(MARGIN + width) << 2), 0, <usize>MARGIN << 2);
  }
  let r = 0;
  for (; r + 4 <= rows; r += 4) deskewFour(y + <usize>r * bytes, x + <usize>r * bytes, width, height, padded);
  for (; r < rows; r++) deskewOne(y + <usize>r * bytes, x + <usize>r * bytes, width, height, padded);
}

/** Pixel `at` of one image and the same pixel `step` bytes on, as two float64 lanes. */
@inline function pair(at: usize, step: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load32_lane(at + step, v128.load32_zero(at), 1));
}

/** Four images from x into y, `bytes` apart: moments in float64 pairs, then each one sheared. */
function deskewFour(y: usize, x: usize, width: i32, height: i32, padded: usize): void {
  const bytes = <usize>width * height * 4;
  // mass, Σ ink·x and Σ ink·y, for images 0 and 1 (A) and 2 and 3 (B).
  let massA = f64x2.splat(0), sumXA = f64x2.splat(0), sumYA = f64x2.splat(0);
  let massB = f64x2.splat(0), sumXB = f64x2.splat(0), sumYB = f64x2.splat(0);
  let at = x;
  for (let row = 0; row < height; row++) {
    const rowY = f64x2.splat(<f64>row);
    for (let column = 0; column < width; column++) {
      const columnX = f64x2.splat(<f64>column);
      const inkA = pair(at, bytes);
      const inkB = pair(at + bytes * 2, bytes);
      massA = f64x2.add(massA, inkA);
      sumXA = f64x2.add(sumXA, f64x2.mul(inkA, columnX));
      sumYA = f64x2.add(sumYA, f64x2.mul(inkA, rowY));
      massB = f64x2.add(massB, inkB);
      sumXB = f64x2.add(sumXB, f64x2.mul(inkB, columnX));
      sumYB = f64x2.add(sumYB, f64x2.mul(inkB, rowY));
      at += 4;
    }
  }
  const centreXA = f64x2.div(sumXA, massA), centreYA = f64x2.div(sumYA, massA);
  const centreXB = f64x2.div(sumXB, massB), centreYB = f64x2.div(sumYB, massB);
  // Σ ink·(x − centreX)·(y − centreY) and Σ ink·(y − centreY)·(y − centreY), left to right.
  let covarianceA = f64x2.splat(0), varianceA = f64x2.splat(0);
  let covarianceB = f64x2.splat(0), varianceB = f64x2.splat(0);
  at = x;
  for (let row = 0; row < height; row++) {
    const dyA = f64x2.sub(f64x2.splat(<f64>row), centreYA);
    const dyB = f64x2.sub(f64x2.splat(<f64>row), centreYB);
    for (let column = 0; column < width; column++) {
      const columnX = f64x2.splat(<f64>column);
      const inkA = pair(at, bytes);
      const inkB = pair(at + bytes * 2, bytes);
      covarianceA = f64x2.add(covarianceA, f64x2.mul(f64x2.mul(inkA, f64x2.sub(columnX, centreXA)), dyA));
      varianceA = f64x2.add(varianceA, f64x2.mul(f64x2.mul(inkA, dyA), dyA));
      covarianceB = f64x2.add(covarianceB, f64x2.mul(f64x2.mul(inkB, f64x2.sub(columnX, centreXB)), dyB));
      varianceB = f64x2.add(varianceB, f64x2.mul(f64x2.mul(inkB, dyB), dyB));
      at += 4;
    }
  }
  straighten(y, x, width, height, padded, f64x2.extract_lane(massA, 0), f64x2.extract_lane(centreYA, 0),
    f64x2.extract_lane(covarianceA, 0), f64x2.extract_lane(varianceA, 0));
  straighten(y + bytes, x + bytes, width, height, padded, f64x2.extract_lane(massA, 1),
    f64x2.extract_lane(centreYA, 1), f64x2.extract_lane(covarianceA, 1), f64x2.extract_lane(varianceA, 1));
  straighten(y + bytes * 2, x + bytes * 2, width, height, padded, f64x2.extract_lane(massB, 0),
    f64x2.extract_lane(centreYB, 0), f64x2.extract_lane(covarianceB, 0), f64x2.extract_lane(varianceB, 0));
  straighten(y + bytes * 3, x + bytes * 3, width, height, padded, f64x2.extract_lane(massB, 1),
    f64x2.extract_lane(centreYB, 1), f64x2.extract_lane(covarianceB, 1), f64x2.extract_lane(varianceB, 1));
}

/** One image, its moments summed one pixel at a time. */
function deskewOne(y: usize, x: usize, width: i32, height: i32, padded: usize): void {
  let mass: f64 = 0, sumX: f64 = 0, sumY: f64 = 0;
  let at = x;
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const ink = <f64>load<f32>(at);
      mass += ink;
      sumX += ink * <f64>column;
      sumY += ink * <f64>row;
      at += 4;
    }
  }
  const centreX = sumX / mass;
  const centreY = sumY / mass;
  let covariance: f64 = 0, variance: f64 = 0;
  at = x;
  for (let row = 0; row < height; row++) {
    const dy = <f64>row - centreY;
    for (let column = 0; column < width; column++) {
      const ink = <f64>load<f32>(at);
      covariance += ink * (<f64>column - centreX) * dy;
      variance += ink * dy * dy;
      at += 4;
    }
  }
  straighten(y, x, width, height, padded, mass, centreY, covariance, variance);
}

/**
 * Copies the image as it is when it has no ink, or ink on a single row (or NaN moments), as
 * deskewImage does; else slides each row back by slant·(row − centreY).
 */
function straighten(
  y: usize, x: usize, width: i32, height: i32, padded: usize,
  mass: f64, centreY: f64, covariance: f64, variance: f64,
): void {
  if (!(mass > 0) || !(variance > 0)) {
    memory.copy(y, x, <usize>width * height * 4);
    return;
  }
  const slant = covariance / variance;
  for (let row = 0; row < height; row++) {
    shearRow(y + <usize>row * width * 4, x + <usize>row * width * 4, width, slant * (<f64>row - centreY), padded);
  }
}

/**
 * out[column] = a·(1 − fraction) + b·fraction, where column + shift falls `fraction` of the way
 * from pixel `left` (a) to pixel left + 1 (b), pixels outside the row being 0. Four pixels at a
 * time where their `left`s are adjacent and within MARGIN of the row (almost everywhere): they
 * read five adjacent values of the padded copy. Elsewhere one pixel at a time.
 */
function shearRow(out: usize, image: usize, width: i32, shift: f64, padded: usize): void {
  let column = 0;
  const first = Math.floor(shift);
  if (padded != 0 && first > <f64>(1 - MARGIN) && first < <f64>(MARGIN - 4)) {
    memory.copy(padded + (<usize>MARGIN << 2), image, <usize>width << 2);
    const offset = <i32>first;
    const one = f64x2.splat(1);
    const shifts = f64x2.splat(shift);
    let columns0 = f64x2(0, 1);
    let columns1 = f64x2(2, 3);
    for (; column + 4 <= width; column += 4) {
      const from0 = f64x2.add(columns0, shifts);
      const from1 = f64x2.add(columns1, shifts);
      const left0 = f64x2.floor(from0);
      const left1 = f64x2.floor(from1);
      const expected = <f64>(column + offset);
      const adjacent = v128.and(
        f64x2.eq(left0, f64x2(expected, expected + 1)), f64x2.eq(left1, f64x2(expected + 2, expected + 3)),
      );
      if (!i64x2.all_true(adjacent)) break;
      const src = padded + (<usize>(MARGIN + column + offset) << 2);
      const a = v128.load(src);
      const b = v128.load(src, 4);
      const fraction0 = f64x2.sub(from0, left0);
      const fraction1 = f64x2.sub(from1, left1);
      const low = f64x2.add(
        f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.sub(one, fraction0)),
        f64x2.mul(f64x2.promote_low_f32x4(b), fraction0),
      );
      const high = f64x2.add(
        f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 2, 3, 2, 3)), f64x2.sub(one, fraction1)),
        f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(b, b, 2, 3, 2, 3)), fraction1),
      );
      v128.store(out + (<usize>column << 2), v128.shuffle<f32>(
        f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 4, 5,
      ));
      columns0 = f64x2.add(columns0, f64x2.splat(4));
      columns1 = f64x2.add(columns1, f64x2.splat(4));
    }
  }
  for (; column < width; column++) {
    const from = <f64>column + shift;
    const left = Math.floor(from);
    const fraction = from - left;
    // `left` is a whole number here (NaN and ±Inf fail both tests), so converting it is exact.
    const a: f64 = left >= 0 && left < <f64>width ? <f64>load<f32>(image + (<usize><i32>left << 2)) : 0;
    const b: f64 = left + 1 >= 0 && left + 1 < <f64>width ? <f64>load<f32>(image + (<usize><i32>(left + 1) << 2)) : 0;
    store<f32>(out + (<usize>column << 2), <f32>(a * (1 - fraction) + b * fraction));
  }
}
