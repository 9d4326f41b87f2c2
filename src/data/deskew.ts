import type { Floats } from '../tensor.js';

/**
 * Straightens a slanted digit, as in LeCun's MNIST table ("deskewing"): the ink's second
 * moments say how far each row leans, and each row is slid back by that much, with linear
 * interpolation between pixels. Upright digits come out unchanged.
 *
 * Reads `image` [height × width] and writes `out`, which must be another buffer. An image with
 * no ink, or ink on a single row, is copied as it is.
 */
export function deskewImage(out: Floats, image: Floats, width: number, height: number): void {
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ink = image[y * width + x];
      mass += ink;
      sumX += ink * x;
      sumY += ink * y;
    }
  }
  if (!(mass > 0)) {
    out.set(image);
    return;
  }
  const centreX = sumX / mass;
  const centreY = sumY / mass;
  let covarianceXY = 0;
  let varianceY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ink = image[y * width + x];
      covarianceXY += ink * (x - centreX) * (y - centreY);
      varianceY += ink * (y - centreY) * (y - centreY);
    }
  }
  if (!(varianceY > 0)) {
    out.set(image);
    return;
  }
  // x moves by `slant` for each row away from the centre; reading from x + slant·(y − centreY)
  // undoes that lean.
  const slant = covarianceXY / varianceY;
  for (let y = 0; y < height; y++) {
    const shift = slant * (y - centreY);
    for (let x = 0; x < width; x++) {
      const from = x + shift;
      const left = Math.floor(from);
      const fraction = from - left;
      const a = left >= 0 && left < width ? image[y * width + left] : 0;
      const b = left + 1 >= 0 && left + 1 < width ? image[y * width + left + 1] : 0;
      out[y * width + x] = a * (1 - fraction) + b * fraction;
    }
  }
}
