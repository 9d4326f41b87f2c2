import { GlassboxError } from '../errors.js';

/**
 * An n-dimensional array of bytes read from an IDX file, row-major: for MNIST images the
 * dimensions are [count, 28, 28]. `data` is a view into the bytes that were parsed, not a copy.
 */
export interface IdxArray {
  dimensions: number[];
  data: Uint8Array;
}

/** IDX type codes (the third header byte); only unsigned bytes are read, the rest are named. */
const typeNames: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const unsignedByteType = 0x08;

/**
 * More than four dimensions is legal IDX but no dataset we read uses it, so a larger count is
 * far more likely a file that is not IDX at all.
 */
const maxDimensions = 4;

/**
 * Reads an IDX file: two zero bytes, a type byte, a dimension count, each dimension as a
 * big-endian uint32, then the elements. Each header field is checked in order and the element
 * count is compared with the bytes present before anything is allocated, so a header that
 * claims billions of elements fails at once. `source` names the file in error messages.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) {
    throw new GlassboxError(
      source, 'magic', `expected a 4-byte IDX header, but there are only ${bytes.length} bytes`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    // Gzip is the usual cause: MNIST is distributed as .gz files.
    const hint = bytes[0] === 0x1f && bytes[1] === 0x8b
      ? ' (this is gzip-compressed data: decompress it first)'
      : '';
    throw new GlassboxError(
      source, 'magic', `expected the first two bytes to be 0x00 0x00, got ${hex(bytes[0])} ` +
        `${hex(bytes[1])}${hint}`,
    );
  }
  const type = bytes[2];
  if (type !== unsignedByteType) {
    const name = typeNames[type];
    const problem = name === undefined
      ? `${hex(type)} is not an IDX element type`
      : `elements of type ${hex(type)} (${name}) are not supported`;
    throw new GlassboxError(source, 'type', `${problem}; expected 0x08 (unsigned byte)`);
  }
  const count = bytes[3];
  if (count < 1 || count > maxDimensions) {
    throw new GlassboxError(
      source, 'dimension count', `expected 1 to ${maxDimensions} dimensions, got ${count}`,
    );
  }
  const headerLength = 4 + 4 * count;
  if (bytes.length < headerLength) {
    throw new GlassboxError(
      source, `dimension ${Math.floor((bytes.length - 4) / 4)}`,
      `the header declares ${count} dimensions (${headerLength} bytes), but the data ends ` +
        `after ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimensions: number[] = [];
  // A float product is exact up to 2^53 and only grows past that, so an absurd header still
  // compares as larger than any real file.
  let elements = 1;
  for (let i = 0; i < count; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    dimensions.push(size);
    elements *= size;
  }
  const present = bytes.length - headerLength;
  if (elements > present) {
    throw new GlassboxError(
      source, 'data', `the header declares [${dimensions.join(', ')}] = ${elements} bytes, ` +
        `but only ${present} follow: the file is truncated`,
    );
  }
  if (elements < present) {
    throw new GlassboxError(
      source, 'data', `the header declares [${dimensions.join(', ')}] = ${elements} bytes, ` +
        `but ${present} follow: ${present - elements} trailing bytes`,
    );
  }
  return { dimensions, data: bytes.subarray(headerLength) };
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
