import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { crc32, GlassboxError, type PixelImage } from '../src/index.js';
import { readBytes, writeFileAtomic } from './files.js';

const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decoding expands an image to 4 bytes a pixel (and pngjs needs several buffers of that size),
 * so a small file that declares a vast image could exhaust memory. 50 million pixels is a
 * large photograph, far beyond any picture of one digit.
 */
const maxPixels = 50_000_000;

/**
 * Reads a PNG file as RGBA, 8 bits a channel, whatever its colour type and bit depth. A missing,
 * non-PNG, truncated or corrupt file gives a GlassboxError naming the file and the problem.
 */
export function readPng(path: string): PixelImage {
  return decodePng(readBytes(path), path);
}

/** The bytes of a PNG file as RGBA, as readPng reads them; `path` names it in errors. */
export function decodePng(bytes: Uint8Array, path: string): PixelImage {
  checkSignature(bytes, path);
  checkChunks(bytes, path);
  let png: { width: number; height: number; data: Uint8Array };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    // The chunks are whole and their checksums match, so what is left is bad compressed data
    // or a variant pngjs does not support; pngjs says which in a plain Error.
    throw new GlassboxError(path, 'data', `cannot decode the PNG: ${(error as Error).message}`);
  }
  return {
    width: png.width,
    height: png.height,
    channels: 4,
    data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
  };
}

/**
 * Writes an image (1 to 4 channels) as a PNG of the matching colour type. The file appears
 * whole or not at all: it is written beside the target and renamed over it.
 */
export function writePng(path: string, image: PixelImage): void {
  const { width, height, channels, data } = image;
  const colorType = ({ 1: 0, 2: 4, 3: 2, 4: 6 } as const)[channels];
  if (colorType === undefined || data.length !== width * height * channels) {
    throw new GlassboxError(
      path, 'image', `expected ${width}×${height} pixels of 1 to 4 channels, got ${channels} ` +
        `channels and ${data.length} bytes`,
    );
  }
  const png = new PNG();
  png.width = width;
  png.height = height;
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const encoded = PNG.sync.write(png, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: channels === 2 || channels === 4,
  });
  writeFileAtomic(path, encoded);
}

function checkSignature(bytes: Uint8Array, path: string): void {
  const matches = bytes.length >= signature.length &&
    signature.every((byte, i) => bytes[i] === byte);
  if (!matches) {
    throw new GlassboxError(path, 'signature', `not a PNG file (${describeContent(bytes)})`);
  }
}

/** A guess at what a non-PNG file is, so the message can say what to do about it. */
function describeContent(bytes: Uint8Array): string {
  const starts = (...prefix: number[]): boolean => prefix.every((byte, i) => bytes[i] === byte);
  const ascii = (from: number, to: number): string =>
    String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length === 0) return 'the file is empty';
  if (starts(0xff, 0xd8, 0xff)) return 'it looks like a JPEG; save the image as PNG';
  if (ascii(0, 4) === 'GIF8') return 'it looks like a GIF; save the image as PNG';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') {
    return 'it looks like a WebP; save the image as PNG';
  }
  if (ascii(0, 2) === 'BM') return 'it looks like a BMP; save the image as PNG';
  const head = bytes.subarray(0, 64);
  const printable = (byte: number): boolean =>
    byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127);
  if (head.every(printable)) return 'it looks like text';
  return 'the first bytes are not the PNG signature';
}

/**
 * Walks the chunk list (length, type, data, CRC) up to IEND, so that a truncated or damaged
 * file is reported as such instead of as whatever pngjs trips over, and checks the size in the
 * header before anything is decoded.
 */
function checkChunks(bytes: Uint8Array, path: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = signature.length;
  let first = true;
  let rawBytes: number | undefined;
  const imageData: Uint8Array[] = [];
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = chunkName(bytes.subarray(offset + 4, offset + 8));
    if (offset + 12 + length > bytes.length) {
      throw new GlassboxError(
        path, `${type} chunk`, `truncated: the chunk at byte ${offset} needs ${12 + length} ` +
          `bytes, but the file ends after ${bytes.length}`,
      );
    }
    const stored = view.getUint32(offset + 8 + length);
    const computed = crc32(bytes.subarray(offset + 4, offset + 8 + length));
    if (stored !== computed) {
      throw new GlassboxError(
        path, `${type} chunk`, `damaged: the chunk at byte ${offset} has checksum ` +
          `${hex32(stored)}, but its bytes give ${hex32(computed)}`,
      );
    }
    if (first) {
      rawBytes = checkHeader(view, type, length, offset, path);
      first = false;
    }
    if (type === 'IDAT') imageData.push(bytes.subarray(offset + 8, offset + 8 + length));
    if (type === 'IEND') {
      if (rawBytes !== undefined) checkImageData(imageData, rawBytes, path);
      return;
    }
    offset += 12 + length;
  }
  throw new GlassboxError(
    path, 'IEND chunk', `truncated: the file ends after ${bytes.length} bytes without the IEND ` +
      'chunk that closes every PNG',
  );
}

/**
 * Checks the IHDR chunk; returns the number of bytes its image data must inflate to, or
 * undefined for a colour type or bit depth that pngjs will refuse and name.
 */
function checkHeader(
  view: DataView, type: string, length: number, offset: number, path: string,
): number | undefined {
  if (type !== 'IHDR' || length !== 13) {
    throw new GlassboxError(path, 'IHDR chunk', `expected a 13-byte IHDR chunk first, got ${type}`);
  }
  const width = view.getUint32(offset + 8);
  const height = view.getUint32(offset + 12);
  if (width === 0 || height === 0) {
    throw new GlassboxError(path, 'IHDR chunk', `the image is ${width}×${height} pixels`);
  }
  if (width * height > maxPixels) {
    throw new GlassboxError(
      path, 'IHDR chunk', `the image is ${width}×${height} pixels, more than the ` +
        `${maxPixels / 1e6} million this reader accepts`,
    );
  }
  const channels = channelsByColourType[view.getUint8(offset + 17)];
  const bitDepth = view.getUint8(offset + 16);
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(bitDepth)) return undefined;
  return rawImageBytes(width, height, channels * bitDepth, view.getUint8(offset + 20) === 1);
}

const channelsByColourType: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's passes: first column and row, then the steps between pixels. */
const adam7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

/** The size of the filtered scanlines, each with its filter byte, that the image data holds. */
function rawImageBytes(
  width: number, height: number, bitsPerPixel: number, interlaced: boolean,
): number {
  const scanlines = (columns: number, rows: number) =>
    columns === 0 || rows === 0 ? 0 : rows * (1 + Math.ceil((columns * bitsPerPixel) / 8));
  if (!interlaced) return scanlines(width, height);
  let total = 0;
  for (const [column, row, columnStep, rowStep] of adam7) {
    const columns = Math.ceil(Math.max(width - column, 0) / columnStep);
    total += scanlines(columns, Math.ceil(Math.max(height - row, 0) / rowStep));
  }
  return total;
}

/**
 * Inflates the image data once to check its size before pngjs decodes it: pngjs fills a
 * cut-short image with zeros and says nothing, and would allocate the whole image first. zlib
 * compresses at most 1032 to 1, so data far too small for the header's image is refused before
 * inflating, and inflating stops at the size the image needs: a small file that declares a vast
 * image cannot make the reader allocate for it.
 */
function checkImageData(parts: Uint8Array[], rawBytes: number, path: string): void {
  const compressed = Buffer.concat(parts);
  const maxRatio = 1032;
  const cutShort = 'the file is cut short or damaged';
  if (compressed.length * maxRatio < rawBytes) {
    throw new GlassboxError(
      path, 'IDAT chunk', `the image data is ${compressed.length} bytes, too little for the ` +
        `image the header declares, whose ${rawBytes} bytes need at least ` +
        `${Math.ceil(rawBytes / maxRatio)} compressed; ${cutShort}`,
    );
  }
  let inflated: number;
  try {
    inflated = inflateSync(compressed, { maxOutputLength: rawBytes }).length;
  } catch (error) {
    // More data than the image needs is harmless: decoders ignore what follows.
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return;
    throw new GlassboxError(
      path, 'IDAT chunk', `the compressed image data does not inflate ` +
        `(${(error as Error).message}); ${cutShort}`,
    );
  }
  if (inflated < rawBytes) {
    throw new GlassboxError(
      path, 'IDAT chunk', `the image data inflates to ${inflated} bytes, but the image the ` +
        `header declares needs ${rawBytes}; ${cutShort}`,
    );
  }
}

/** A chunk's type as four letters, or in hex when the bytes are not letters (a damaged file). */
function chunkName(type: Uint8Array): string {
  const letters = String.fromCharCode(...type);
  if (/^[A-Za-z]{4}$/.test(letters)) return letters;
  return `0x${Array.from(type, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
