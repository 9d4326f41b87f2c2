import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdx } from '../../src/data/idx.js';
import { GlassboxError } from '../../src/errors.js';

/** Builds IDX bytes: the magic, a type byte, the dimensions big-endian, then `data`. */
function idxBytes(dimensions: number[], data: number[], type = 0x08): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dimensions.length + data.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = dimensions.length;
  dimensions.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  bytes.set(data, 4 + 4 * dimensions.length);
  return bytes;
}

/** Asserts that `run` throws a GlassboxError naming `source` and `field`, matching `problem`. */
function assertIdxError(run: () => unknown, source: string, field: string, problem: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GlassboxError, `expected a GlassboxError, got ${String(error)}`);
    assert.equal(error.source, source);
    assert.equal(error.field, field);
    assert.ok(error.message.startsWith(`${source}: ${field}: `), error.message);
    assert.match(error.message, problem);
    return true;
  });
}

test('parseIdx(bytes) reads a 3-D unsigned-byte array', () => {
  const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);
  const result = parseIdx(idxBytes([2, 3, 4], values));
  assert.deepEqual(result.dimensions, [2, 3, 4]);
  assert.deepEqual([...result.data], values);
});

test('parseIdx(bytes) reads a 1-D array of labels', () => {
  const result = parseIdx(idxBytes([5], [7, 2, 1, 0, 4]));
  assert.deepEqual(result.dimensions, [5]);
  assert.deepEqual([...result.data], [7, 2, 1, 0, 4]);
});

test('parseIdx(bytes) returns a view of the bytes, not a copy', () => {
  const bytes = idxBytes([3], [1, 2, 3]);
  const result = parseIdx(bytes);
  assert.equal(result.data.buffer, bytes.buffer);
  assert.equal(result.data.byteOffset, 8);
  bytes[8] = 99;
  assert.equal(result.data[0], 99);
});

test('parseIdx(bytes) reads bytes that start inside a larger buffer', () => {
  const inner = idxBytes([2, 2], [1, 2, 3, 4]);
  const outer = new Uint8Array(inner.length + 7);
  outer.set(inner, 5);
  const result = parseIdx(outer.subarray(5, 5 + inner.length));
  assert.deepEqual(result.dimensions, [2, 2]);
  assert.deepEqual([...result.data], [1, 2, 3, 4]);
});

test('parseIdx(bytes) accepts a dimension of zero with no data', () => {
  const result = parseIdx(idxBytes([0, 28, 28], []));
  assert.deepEqual(result.dimensions, [0, 28, 28]);
  assert.equal(result.data.length, 0);
});

test('parseIdx(bytes) rejects a wrong magic number', () => {
  const bytes = idxBytes([1], [0]);
  bytes[1] = 3;
  assertIdxError(() => parseIdx(bytes, 'digits.idx'), 'digits.idx', 'magic', /0x00 0x03/);
});

test('parseIdx(bytes) says when the bytes are gzip-compressed', () => {
  const gzip = new Uint8Array([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0]);
  assertIdxError(() => parseIdx(gzip, 'train.gz'), 'train.gz', 'magic', /gzip/);
});

test('parseIdx(bytes) rejects bytes too short to hold the header', () => {
  assertIdxError(() => parseIdx(new Uint8Array([0, 0]), 'tiny'), 'tiny', 'magic', /only 2 bytes/);
  assertIdxError(() => parseIdx(new Uint8Array(0)), 'IDX data', 'magic', /only 0 bytes/);
});

test('parseIdx(bytes) rejects an unsupported element type and names it', () => {
  assertIdxError(
    () => parseIdx(idxBytes([1], [0, 0, 0, 0], 0x0d), 'floats.idx'),
    'floats.idx', 'type', /0x0d \(float32\).*not supported/,
  );
  assertIdxError(
    () => parseIdx(idxBytes([1], [0], 0x42), 'odd.idx'), 'odd.idx', 'type', /0x42 is not an IDX/,
  );
});

test('parseIdx(bytes) rejects zero dimensions', () => {
  assertIdxError(
    () => parseIdx(idxBytes([], [1, 2]), 'flat.idx'), 'flat.idx', 'dimension count', /got 0/,
  );
});

test('parseIdx(bytes) rejects more than four dimensions', () => {
  assertIdxError(
    () => parseIdx(idxBytes([1, 1, 1, 1, 1], [1]), 'deep.idx'),
    'deep.idx', 'dimension count', /got 5/,
  );
});

test('parseIdx(bytes) rejects a header cut off inside a dimension', () => {
  const bytes = idxBytes([10, 28, 28], []).subarray(0, 10);
  assertIdxError(() => parseIdx(bytes, 'cut.idx'), 'cut.idx', 'dimension 1', /ends after 10 bytes/);
});

test('parseIdx(bytes) rejects truncated data', () => {
  const bytes = idxBytes([2, 3], [1, 2, 3, 4, 5]);
  assertIdxError(
    () => parseIdx(bytes, 'short.idx'), 'short.idx', 'data', /only 5 follow.*truncated/,
  );
});

test('parseIdx(bytes) rejects trailing bytes', () => {
  const bytes = idxBytes([2, 2], [1, 2, 3, 4, 5, 6]);
  assertIdxError(() => parseIdx(bytes, 'long.idx'), 'long.idx', 'data', /2 trailing bytes/);
});

test('parseIdx(bytes) rejects a header declaring 4e9 elements without allocating', () => {
  const bytes = idxBytes([4_000_000_000], [1, 2, 3]);
  const before = process.memoryUsage().arrayBuffers;
  assertIdxError(() => parseIdx(bytes, 'huge.idx'), 'huge.idx', 'data', /4000000000.*truncated/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1_000_000, 'parseIdx allocated a buffer');
  // Four maximal dimensions multiply to about 3e38: still compared, never allocated.
  const absurd = idxBytes([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], []);
  assertIdxError(() => parseIdx(absurd, 'absurd.idx'), 'absurd.idx', 'data', /truncated/);
});
