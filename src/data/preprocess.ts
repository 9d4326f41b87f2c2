import { GlassboxError } from '../errors.js';

/**
 * An image as bytes, row-major, `channels` bytes per pixel: 1 grey, 2 grey + alpha, 3 RGB,
 * 4 RGBA (what a canvas's getImageData and the CLI's PNG reader give).
 */
export interface PixelImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** MNIST's frame: 28×28 pixels, the digit fitting 20×20, its centre of mass on pixel (14, 14). */
const side = 28;
const box = 20;
const centre = 14;

/**
 * An image whose strongest ink differs from the background by less than this fraction of the
 * full range is taken as blank: it is paper texture or a faint smudge, not a digit.
 */
const minContrast = 0.1;

/**
 * Ink weaker than this fraction of the image's strongest ink is set to zero, so that paper
 * texture and compression noise do not stretch the digit's bounding box to the whole image.
 * Stronger ink keeps its value. Small enough that MNIST's own faint anti-aliased edges barely
 * change: its test digits come back within 0.0006 mean absolute difference.
 */
const noiseFloor = 0.05;

/**
 * Turns any picture of one digit into the network's input: 784 values in [0, 1], 28×28 row-major,
 * a white digit (1) on a black background (0), framed the way MNIST's digits were.
 *
 * 1. Ink. The background level is the median grey of the border pixels, so dark-on-light and
 *    light-on-dark pictures both work; ink is how far a pixel is from that level towards the
 *    opposite end. Transparent pixels count as background. When more than half of the border is
 *    transparent (a digit drawn on a transparent canvas), the background is taken to be the
 *    opposite of the ink's average colour (white behind dark strokes, black behind light ones),
 *    and a pixel's ink is its opacity times its contrast with that background.
 * 2. Crop to the bounding box of the ink (ink weaker than 5% of the strongest counts as none).
 * 3. Scale so the longer side is 20 pixels, keeping the aspect ratio: averaging the area each
 *    output pixel covers when shrinking, so thin strokes fade rather than vanish, and bilinear
 *    when enlarging. Then rescale the values so the strongest ink is 1.
 * 4. Place in 28×28, shifted by whole pixels so the centre of mass lands on pixel (14, 14), but
 *    never so far that ink would fall off the edge.
 *
 * An image with no ink gives 784 zeros. `source` names the image in error messages.
 */
export function preprocessDigit(image: PixelImage, source = 'image'): Float32Array {
  checkImage(image, source);
  const output = new Float32Array(side * side);
  const ink = inkOf(toGrey(image));
  if (ink === null) return output;
  const bounds = inkBounds(ink, image.width, image.height);
  const patch = fitInBox(ink, image.width, bounds);
  placeByCentreOfMass(patch, output);
  return output;
}

function checkImage(image: PixelImage, source: string): void {
  for (const field of ['width', 'height'] as const) {
    const size = image[field];
    if (!Number.isInteger(size) || size < 1) {
      throw new GlassboxError(source, field, `expected a whole number ≥ 1, got ${size}`);
    }
  }
  if (![1, 2, 3, 4].includes(image.channels)) {
    throw new GlassboxError(
      source, 'channels', `expected 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA), got ` +
        `${image.channels}`,
    );
  }
  if (!(image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray)) {
    throw new GlassboxError(source, 'data', 'expected a Uint8Array or Uint8ClampedArray of bytes');
  }
  const expected = image.width * image.height * image.channels;
  if (image.data.length !== expected) {
    throw new GlassboxError(
      source, 'data', `expected ${image.width}×${image.height}×${image.channels} = ${expected} ` +
        `bytes, got ${image.data.length}`,
    );
  }
}

/** An image as a grey level (0..255) per pixel and, if it has alpha, an opacity (0..1). */
interface GreyImage {
  width: number;
  height: number;
  grey: Float32Array;
  opacity: Float32Array | null;
}

/**
 * Splits the pixels into grey levels (Rec. 601 luma for colour) and opacities, so that the
 * passes after this one read plain float arrays whatever the channel layout.
 */
function toGrey(image: PixelImage): GreyImage {
  const { width, height, channels, data } = image;
  const pixels = width * height;
  const grey = new Float32Array(pixels);
  if (channels >= 3) {
    for (let p = 0, at = 0; p < pixels; p++, at += channels) {
      // Integer weights keep an RGB grey exactly equal to the same grey in a one-channel image.
      grey[p] = (299 * data[at] + 587 * data[at + 1] + 114 * data[at + 2]) / 1000;
    }
  } else {
    for (let p = 0, at = 0; p < pixels; p++, at += channels) grey[p] = data[at];
  }
  if (channels !== 2 && channels !== 4) return { width, height, grey, opacity: null };
  const opacity = new Float32Array(pixels);
  for (let p = 0, at = channels - 1; p < pixels; p++, at += channels) opacity[p] = data[at] / 255;
  return { width, height, grey, opacity };
}

/**
 * The ink of every pixel in [0, 1] (width × height, row-major), with ink below the noise floor
 * set to zero; null when the image has no ink worth the name. The ink is written over the
 * image's grey array, which is not needed afterwards.
 */
function inkOf(image: GreyImage): Float32Array | null {
  const background = backgroundGrey(image);
  if (background === null) return null;
  // Ink runs from the background towards the far end of the grey scale: contrast is the
  // distance travelled, as a fraction of the way.
  const darkInk = background >= 128;
  const scale = darkInk ? -1 / background : 1 / (255 - background);

  const { grey, opacity } = image;
  const ink = grey;
  let strongest = 0;
  for (let p = 0; p < ink.length; p++) {
    const contrast = (grey[p] - background) * scale;
    const value = contrast <= 0 ? 0 : opacity === null ? contrast : contrast * opacity[p];
    ink[p] = value;
    if (value > strongest) strongest = value;
  }
  if (strongest < minContrast) return null;

  const floor = noiseFloor * strongest;
  for (let p = 0; p < ink.length; p++) {
    if (ink[p] < floor) ink[p] = 0;
  }
  return ink;
}

/**
 * The grey level that counts as background (see preprocessDigit), or null for an image that is
 * transparent everywhere.
 */
function backgroundGrey({ width, height, grey, opacity }: GreyImage): number | null {
  const histogram = new Uint32Array(256);
  let transparent = 0;
  let border = 0;
  const visit = (pixel: number): void => {
    border++;
    if (opacity !== null && opacity[pixel] < 0.5) transparent++;
    else histogram[Math.round(grey[pixel])]++;
  };
  for (let x = 0; x < width; x++) {
    visit(x);
    if (height > 1) visit((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    visit(y * width);
    if (width > 1) visit(y * width + width - 1);
  }

  if (opacity !== null && 2 * transparent > border) {
    let weight = 0;
    let weightedGrey = 0;
    for (let p = 0; p < grey.length; p++) {
      weight += opacity[p];
      weightedGrey += opacity[p] * grey[p];
    }
    if (weight === 0) return null;
    return weightedGrey / weight < 128 ? 255 : 0;
  }
  return histogramMedian(histogram, border - transparent);
}

function histogramMedian(histogram: Uint32Array, count: number): number {
  let seen = 0;
  for (let level = 0; level < histogram.length; level++) {
    seen += histogram[level];
    if (2 * seen >= count) return level;
  }
  return histogram.length - 1;
}

/** Inclusive pixel bounds of a region. */
interface Bounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The bounding box of the non-zero ink; the caller guarantees there is some. */
function inkBounds(ink: Float32Array, width: number, height: number): Bounds {
  let left = width;
  let top = height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (ink[row + x] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  return { left, top, right, bottom };
}

/** A small greyscale image, row-major. */
interface Patch {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Scales the ink inside `bounds` so its longer side is `box` pixels (aspect ratio kept), one
 * axis at a time, and rescales the values so the strongest is 1.
 */
function fitInBox(ink: Float32Array, inkWidth: number, bounds: Bounds): Patch {
  const cropWidth = bounds.right - bounds.left + 1;
  const cropHeight = bounds.bottom - bounds.top + 1;
  const scale = box / Math.max(cropWidth, cropHeight);
  const width = Math.max(1, Math.round(cropWidth * scale));
  const height = Math.max(1, Math.round(cropHeight * scale));

  const rows = new Float32Array(cropHeight * width);
  for (let y = 0; y < cropHeight; y++) {
    const from = (bounds.top + y) * inkWidth + bounds.left;
    resampleLine(ink, from, 1, cropWidth, rows, y * width, 1, width);
  }
  const data = new Float32Array(height * width);
  for (let x = 0; x < width; x++) {
    resampleLine(rows, x, width, cropHeight, data, x, width, height);
  }

  let strongest = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > strongest) strongest = data[i];
  if (strongest > 0) {
    for (let i = 0; i < data.length; i++) data[i] /= strongest;
  }
  return { width, height, data };
}

/**
 * Resamples `sourceLength` values (read every `sourceStride` from `sourceStart`) to
 * `targetLength` values (written every `targetStride` from `targetStart`). Shrinking averages
 * the stretch of source each target value covers, counting partly covered source values by the
 * fraction covered; enlarging interpolates linearly between source pixel centres, holding the
 * edge values beyond the first and last centre.
 */
function resampleLine(
  source: Float32Array, sourceStart: number, sourceStride: number, sourceLength: number,
  target: Float32Array, targetStart: number, targetStride: number, targetLength: number,
): void {
  const step = sourceLength / targetLength;
  if (step > 1) {
    for (let i = 0; i < targetLength; i++) {
      const from = i * step;
      const to = Math.min(sourceLength, from + step);
      let sum = 0;
      for (let j = Math.floor(from); j < to; j++) {
        const covered = Math.min(to, j + 1) - Math.max(from, j);
        sum += covered * source[sourceStart + j * sourceStride];
      }
      target[targetStart + i * targetStride] = sum / step;
    }
    return;
  }
  const last = sourceLength - 1;
  for (let i = 0; i < targetLength; i++) {
    const position = Math.min(last, Math.max(0, (i + 0.5) * step - 0.5));
    const j = Math.floor(position);
    const next = Math.min(last, j + 1);
    const t = position - j;
    const a = source[sourceStart + j * sourceStride];
    const b = source[sourceStart + next * sourceStride];
    target[targetStart + i * targetStride] = a + t * (b - a);
  }
}

/**
 * Copies the patch into the 28×28 output, shifted by whole pixels so its centre of mass is as
 * near to (14, 14) as it can be without any ink leaving the frame.
 */
function placeByCentreOfMass(patch: Patch, output: Float32Array): void {
  let mass = 0;
  let massX = 0;
  let massY = 0;
  for (let y = 0; y < patch.height; y++) {
    for (let x = 0; x < patch.width; x++) {
      const value = patch.data[y * patch.width + x];
      mass += value;
      massX += value * x;
      massY += value * y;
    }
  }
  if (mass === 0) return;
  const left = clamp(Math.round(centre - massX / mass), 0, side - patch.width);
  const top = clamp(Math.round(centre - massY / mass), 0, side - patch.height);
  for (let y = 0; y < patch.height; y++) {
    for (let x = 0; x < patch.width; x++) {
      output[(top + y) * side + left + x] = clamp(patch.data[y * patch.width + x], 0, 1);
    }
  }
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
