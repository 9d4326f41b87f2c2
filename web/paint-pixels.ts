// Painting numbers as pixels: a digit as grey light, weights as blue (+) and red (−) on black.
// Each canvas is as many pixels as the numbers it shows; CSS scales it up with crisp edges.
import { negative, positive } from './palette.js';

/** Sets the canvas to width × height and returns its pixels to fill. */
function pixelsOf(
  canvas: HTMLCanvasElement, width: number, height: number,
): { context: CanvasRenderingContext2D; image: ImageData } {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const context = softwareContext(canvas);
  return { context, image: context.createImageData(width, height) };
}

/**
 * Greyscale light: 0 black, 1 white. `values` is width × height, row-major; `scale` turns bytes
 * (1/255) or floats (1) into 0..1.
 */
export function paintGrey(
  canvas: HTMLCanvasElement, values: ArrayLike<number>, width = 28, height = 28, scale = 1,
): void {
  const { context, image } = pixelsOf(canvas, width, height);
  for (let p = 0; p < width * height; p++) {
    const level = Math.round(Math.min(1, Math.max(0, values[p] * scale)) * 255);
    image.data[4 * p] = level;
    image.data[4 * p + 1] = level;
    image.data[4 * p + 2] = level;
    image.data[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

/**
 * Signed values as colour: blue for positive, red for negative, black for zero, brightest at
 * ±`range` (default: the largest magnitude present, so every map uses its full range).
 * Returns the range used, for the legend.
 */
export function paintSigned(
  canvas: HTMLCanvasElement, values: ArrayLike<number>, width: number, height: number, range?: number,
): number {
  const { context, image } = pixelsOf(canvas, width, height);
  const used = fillSigned(image, 0, 0, values, width, height, range);
  context.putImageData(image, 0, 0);
  return used;
}

/**
 * Writes signed values as colour (see paintSigned) into the width × height rectangle of `image`
 * whose top left is (left, top). Returns the range used.
 */
export function fillSigned(
  image: ImageData, left: number, top: number, values: ArrayLike<number>, width: number, height: number,
  range?: number,
): number {
  let largest = range ?? 0;
  if (range === undefined) {
    for (let p = 0; p < width * height; p++) largest = Math.max(largest, Math.abs(values[p]));
  }
  const inverse = largest > 0 ? 1 / largest : 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = values[y * width + x];
      const strength = Math.min(1, Math.abs(value) * inverse);
      const [r, g, b] = value >= 0 ? positive : negative;
      const at = 4 * ((top + y) * image.width + left + x);
      image.data[at] = r * strength;
      image.data[at + 1] = g * strength;
      image.data[at + 2] = b * strength;
      image.data[at + 3] = 255;
    }
  }
  return largest;
}

/**
 * The canvas's 2-D context, kept in main memory rather than on the GPU. Pixel pictures are
 * written with putImageData, which a GPU canvas must upload on every change; without a GPU (or
 * with a software one) that upload, per canvas and per frame, is what makes a page stutter.
 */
export function softwareContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  return canvas.getContext('2d', { willReadFrequently: true })!;
}

/** A new canvas element for pixel pictures, with an accessible name. */
export function pixelCanvas(className: string, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = `pixels ${className}`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  return canvas;
}
