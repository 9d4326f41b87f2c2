import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPng, writePng } from '../../cli/png.js';
import { crc32, GlassboxError, type PixelImage } from '../../src/index.js';

const folder = mkdtempSync(join(tmpdir(), 'glassbox-png-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** A small image whose every byte differs from its neighbours, so any mix-up shows. */
function pattern(width: number, height: number, channels: PixelImage['channels']): PixelImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
  return { width, height, channels, data };
}

/** Asserts that `run` throws a GlassboxError about `path` whose message matches `problem`. */
function assertFileError(run: () => unknown, path: string, problem: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GlassboxError, `expected a GlassboxError, got ${String(error)}`);
    assert.equal(error.source, path);
    assert.ok(error.message.startsWith(`${path}: `), error.message);
    assert.match(error.message, problem);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

test('readPng(path) reads back what writePng(path, image) wrote as RGBA', () => {
  const path = join(folder, 'rgba.png');
  const image = pattern(13, 7, 4);
  writePng(path, image);
  const read = readPng(path);
  assert.equal(read.width, 13);
  assert.equal(read.height, 7);
  assert.equal(read.channels, 4);
  assert.deepEqual([...read.data], [...image.data]);
});

test('readPng(path) expands grey, grey + alpha and RGB images to RGBA', () => {
  for (const channels of [1, 2, 3] as const) {
    const path = join(folder, `channels-${channels}.png`);
    const image = pattern(5, 3, channels);
    writePng(path, image);
    const read = readPng(path);
    assert.equal(read.data.length, 5 * 3 * 4);
    for (let p = 0; p < 15; p++) {
      const source = image.data.subarray(p * channels, (p + 1) * channels);
      const rgb = channels >= 3 ? [...source.subarray(0, 3)] : [source[0], source[0], source[0]];
      const alpha = channels === 2 ? source[1] : 255;
      assert.deepEqual([...read.data.subarray(p * 4, p * 4 + 4)], [...rgb, alpha], `pixel ${p}`);
    }
  }
});

test('writePng(path, image) replaces an existing file and leaves no temporary file', () => {
  const path = join(folder, 'replaced', 'digit.png');
  writePng(path, pattern(4, 4, 1));
  writePng(path, pattern(2, 3, 3));
  assert.equal(readPng(path).width, 2);
  assert.deepEqual(readdirSync(join(folder, 'replaced')), ['digit.png']);
});

test('writePng(path, image) rejects data of the wrong length', () => {
  const path = join(folder, 'wrong.png');
  const image = { ...pattern(4, 4, 3), data: new Uint8Array(47) };
  assertFileError(() => writePng(path, image), path, /47 bytes/);
  assert.ok(!readdirSync(folder).includes('wrong.png'));
});

test('readPng(path) rejects a missing file', () => {
  const path = join(folder, 'missing.png');
  assertFileError(() => readPng(path), path, /no such file/);
});

test('readPng(path) rejects a text file named .png', () => {
  const path = join(folder, 'notes.png');
  writeFileSync(path, 'This is not a picture of a seven.\n');
  assertFileError(() => readPng(path), path, /not a PNG file \(it looks like text\)/);
});

test('readPng(path) says when a .png file is really a JPEG', () => {
  const path = join(folder, 'photo.png');
  writeFileSync(path, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0]));
  assertFileError(() => readPng(path), path, /JPEG/);
});

test('readPng(path) rejects an empty file', () => {
  const path = join(folder, 'empty.png');
  writeFileSync(path, new Uint8Array(0));
  assertFileError(() => readPng(path), path, /empty/);
});

test('readPng(path) rejects a truncated PNG at every cut', () => {
  const whole = join(folder, 'whole.png');
  writePng(whole, pattern(40, 30, 4));
  const bytes = readFileSync(whole);
  const path = join(folder, 'cut.png');
  for (const keep of [8, 20, 33, 60, Math.floor(bytes.length / 2), bytes.length - 1]) {
    writeFileSync(path, bytes.subarray(0, keep));
    assertFileError(() => readPng(path), path, /truncated/);
  }
});

test('readPng(path) rejects a PNG whose image data is corrupt', () => {
  const whole = join(folder, 'good.png');
  writePng(whole, pattern(40, 30, 4));
  const bytes = new Uint8Array(readFileSync(whole));
  // The IDAT chunk follows the 8-byte signature and the 25-byte IHDR chunk.
  bytes[33 + 8 + 10] ^= 0xff;
  const path = join(folder, 'corrupt.png');
  writeFileSync(path, bytes);
  assertFileError(() => readPng(path), path, /IDAT chunk: damaged: .* checksum/);
});

test('readPng(path) rejects a PNG whose compressed data is bad though its checksums match', () => {
  const whole = join(folder, 'good.png');
  writePng(whole, pattern(40, 30, 4));
  const bytes = new Uint8Array(readFileSync(whole));
  const view = new DataView(bytes.buffer);
  const length = view.getUint32(33);
  // Garble the compressed stream, then give the chunk the checksum of its new bytes.
  bytes.fill(0xff, 33 + 8, 33 + 8 + length);
  view.setUint32(33 + 8 + length, crc32(bytes.subarray(33 + 4, 33 + 8 + length)));
  const path = join(folder, 'garbled.png');
  writeFileSync(path, bytes);
  assertFileError(() => readPng(path), path, /IDAT chunk: the compressed image data does not inflate/);
});

test('readPng(path) rejects a header declaring a vast image before decoding it', () => {
  const whole = join(folder, 'small.png');
  writePng(whole, pattern(3, 3, 1));
  const bytes = new Uint8Array(readFileSync(whole));
  const view = new DataView(bytes.buffer);
  view.setUint32(16, 100_000);
  view.setUint32(20, 100_000);
  view.setUint32(29, crc32(bytes.subarray(12, 29)));
  const path = join(folder, 'vast.png');
  writeFileSync(path, bytes);
  assertFileError(() => readPng(path), path, /IHDR chunk: the image is 100000×100000 pixels/);
});
