import { mnistDataset, parseIdx, type Random } from '../../src/index.js';
import {
  InvalidResult, isCleanGlassboxError, readerAllocationLimit, type FuzzCase, type FuzzTarget,
} from '../fuzz-target.js';
import { concat, copyOf, interestingU32, mutateBytes, pick } from '../mutate.js';

const imagesSource = 'fuzz-images.idx';
const labelsSource = 'fuzz-labels.idx';

/** An IDX file of unsigned bytes with the given dimensions and contents. */
function idx(dimensions: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dimensions.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dimensions.length;
  dimensions.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return concat(header, data);
}

/** Made-up digits: a few images [n, 28, 28] with their labels [n]. */
function mnistPair(random: Random): { images: Uint8Array; labels: Uint8Array } {
  const n = 1 + random.int(4);
  const pixels = new Uint8Array(n * 784).map(() => (random.next() < 0.2 ? random.int(256) : 0));
  return { images: idx([n, 28, 28], pixels), labels: idx([n], new Uint8Array(n).map(() => random.int(10))) };
}

/** Another file to start from: any shape of one to four dimensions, small. */
function anyIdx(random: Random): Uint8Array {
  const rank = 1 + random.int(4);
  const dimensions = Array.from({ length: rank }, () => 1 + random.int(5));
  const size = dimensions.reduce((a, b) => a * b, 1);
  return idx(dimensions, new Uint8Array(size).map(() => random.int(256)));
}

/** The header, field by field: magic, type, dimension count, each dimension. */
function mutateHeader(bytes: Uint8Array, random: Random): { bytes: Uint8Array; description: string } {
  const copy = copyOf(bytes);
  const view = new DataView(copy.buffer);
  const field = random.int(5);
  if (field === 0 && copy.length >= 2) {
    copy[random.int(2)] = pick(random, [0x01, 0x1f, 0x8b, 0xff]);
    return { bytes: copy, description: 'magic changed' };
  }
  if (field === 1 && copy.length >= 3) {
    copy[2] = pick(random, [0x00, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff]);
    return { bytes: copy, description: `type ${copy[2]}` };
  }
  if (field === 2 && copy.length >= 4) {
    copy[3] = pick(random, [0, 1, 2, 3, 4, 5, 200, 255]);
    return { bytes: copy, description: `dimension count ${copy[3]}` };
  }
  const count = copy[3] ?? 0;
  if (count === 0 || copy.length < 8) return { bytes: copy, description: 'header too short to change' };
  const which = random.int(Math.min(count, Math.floor((copy.length - 4) / 4)));
  const value = pick(random, interestingU32);
  view.setUint32(4 + 4 * which, value, false);
  return { bytes: copy, description: `dimension ${which} = ${value}` };
}

function mutate(bytes: Uint8Array, random: Random): { bytes: Uint8Array; description: string } {
  const choice = random.next();
  if (choice < 0.5) return mutateHeader(bytes, random);
  if (choice < 0.6) return { bytes: copyOf(bytes.subarray(0, random.int(bytes.length))), description: 'truncated' };
  return mutateBytes(bytes, random);
}

interface IdxCase extends FuzzCase {
  /** For mnistDataset cases, the label file (input holds the images). */
  labels?: Uint8Array;
}

/**
 * Half the cases parse one IDX file; the other half build an MNIST dataset from an image file
 * and a label file, one or both damaged, or swapped, or disagreeing in count or labels.
 */
function generate(random: Random): IdxCase {
  if (random.next() < 0.4) {
    const start = random.next() < 0.5 ? anyIdx(random) : mnistPair(random).images;
    const { bytes, description } = mutate(start, random);
    return { input: bytes, description: `parseIdx: ${description}` };
  }
  let { images, labels } = mnistPair(random);
  const steps: string[] = [];
  const choice = random.int(6);
  if (choice === 0) {
    ({ bytes: images } = mutate(images, random));
    steps.push('images damaged');
  } else if (choice === 1) {
    ({ bytes: labels } = mutate(labels, random));
    steps.push('labels damaged');
  } else if (choice === 2) {
    [images, labels] = [labels, images];
    steps.push('files swapped');
  } else if (choice === 3) {
    labels = idx([labels.length - 8 + 1], new Uint8Array(labels.length - 8 + 1));
    steps.push('one label too many');
  } else if (choice === 4) {
    labels = copyOf(labels);
    labels[8 + random.int(labels.length - 8)] = pick(random, [10, 11, 128, 255]);
    steps.push('a label is not a digit');
  } else {
    const n = 1 + random.int(2);
    const shape = pick(random, [[n, 28, 27], [n, 784], [n, 28, 28, 1], [n, 27, 28], [n, 1, 784]]);
    images = idx(shape, new Uint8Array(shape.reduce((a, b) => a * b, 1)));
    labels = idx([n], new Uint8Array(n));
    steps.push(`images are [${shape.join(', ')}]`);
  }
  return { input: images, labels, description: `mnistDataset: ${steps.join('; ')}` };
}

export const idxTarget: FuzzTarget = {
  name: 'idx',
  reader: 'parseIdx(bytes), mnistDataset(images, labels)',
  generate,
  run(fuzzCase) {
    const { input, labels } = fuzzCase as IdxCase;
    if (labels === undefined) {
      const array = parseIdx(input as Uint8Array, imagesSource);
      const size = array.dimensions.reduce((a, b) => a * b, 1);
      if (size !== array.data.length) throw new InvalidResult(`dimensions hold ${size}, data ${array.data.length}`);
      return;
    }
    const dataset = mnistDataset(input as Uint8Array, labels, { images: imagesSource, labels: labelsSource });
    if (dataset.length * 784 !== dataset.pixels.length) throw new InvalidResult('pixels and count disagree');
    if (!dataset.labels.every((label) => label < 10)) throw new InvalidResult('a label above 9 was accepted');
  },
  maxAllocationBytes: readerAllocationLimit,
  clean: (error) => isCleanGlassboxError(error, [imagesSource, labelsSource]),
};
