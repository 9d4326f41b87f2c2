// The MNIST files the site serves (see scripts/web-data.ts), fetched and read with the library.
import { mnistDataset, type ImageDataset } from '../src/index.js';

export type Split = 'test' | 'train';

/** Fetches one split's images and labels. `baseUrl` is the site's folder (workers need it). */
export async function loadMnist(split: Split, baseUrl: string): Promise<ImageDataset> {
  const images = `data/${split}-images.idx`;
  const labels = `data/${split}-labels.idx`;
  const [imageBytes, labelBytes] = await Promise.all([
    fetchBytes(images, baseUrl),
    fetchBytes(labels, baseUrl),
  ]);
  return mnistDataset(imageBytes, labelBytes, { images, labels });
}

/** The bytes at `path` (relative to `baseUrl`); throws a readable error for a missing file. */
export async function fetchBytes(path: string, baseUrl: string): Promise<Uint8Array> {
  const response = await fetch(new URL(path, baseUrl));
  if (!response.ok) throw new Error(`${path}: the server answered ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}
