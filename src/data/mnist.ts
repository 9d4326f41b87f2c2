import type { Backend } from '../backend/backend.js';
import type { Floats } from '../tensor.js';
import { GlassboxError } from '../errors.js';
import { parseIdx } from './idx.js';
import { ImageDataset } from './image-dataset.js';

/** MNIST images are 28×28 greyscale bytes; the labels are the digits 0 to 9. */
const side = 28;
const classes = 10;

/**
 * Builds a dataset from the bytes of an MNIST image file ([n, 28, 28]) and its label file
 * ([n]). The pixels stay bytes, shared with `images`, and are scaled to [0, 1] a batch at a
 * time by ImageDataset. `source` names the two files in error messages. `inBackend`: the
 * backend whose memory holds `images` and the floats its alloc lent for them (`images` views
 * them), so that the backend gathers batches straight from them (see ImageDataset).
 */
export function mnistDataset(
  images: Uint8Array,
  labels: Uint8Array,
  source: { images: string; labels: string } = { images: 'MNIST images', labels: 'MNIST labels' },
  inBackend?: { backend: Backend; memory: Floats },
): ImageDataset {
  const imageArray = parseIdx(images, source.images);
  const labelArray = parseIdx(labels, source.labels);

  const [count, rows, columns] = imageArray.dimensions;
  if (imageArray.dimensions.length !== 3 || rows !== side || columns !== side) {
    throw new GlassboxError(
      source.images, 'dimensions',
      `expected [n, ${side}, ${side}] images, got [${imageArray.dimensions.join(', ')}]`,
    );
  }
  if (labelArray.dimensions.length !== 1) {
    throw new GlassboxError(
      source.labels, 'dimensions',
      `expected one dimension [n], got [${labelArray.dimensions.join(', ')}]`,
    );
  }
  if (labelArray.dimensions[0] !== count) {
    throw new GlassboxError(
      source.labels, 'dimensions',
      `${labelArray.dimensions[0]} labels do not match the ${count} images in ${source.images}`,
    );
  }
  const labelData = labelArray.data;
  for (let i = 0; i < labelData.length; i++) {
    if (labelData[i] >= classes) {
      throw new GlassboxError(
        source.labels, `label ${i}`, `expected a digit 0 to ${classes - 1}, got ${labelData[i]}`,
      );
    }
  }
  return new ImageDataset(imageArray.data, labelData, side * side, classes, inBackend ?? {});
}
