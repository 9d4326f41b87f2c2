import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import {
  ArrayDataset, crc32, createLoss, createOptimizer, decodeModel, encodeModel, fit, GlassboxError, Network,
} from '../../src/index.js';
import { parseCommandLine } from '../../cli/args.js';
import { writeFileAtomic } from '../../cli/files.js';
import { decodePng } from '../../cli/png.js';
import { UsageError } from '../../cli/usage-error.js';
import { installAllocationGuard } from '../../fuzz/allocation-guard.js';
import { pngFromChunks } from '../../fuzz/targets/png.js';

// Bugs the fuzzer found, each pinned by the smallest input that showed it.

const controlCharacters = /[\u0000-\u001f\u007f]/;

test('GlassboxError(source, field, problem) writes control characters as \\u escapes, keeping one line', () => {
  const error = new GlassboxError('a\nb.gbx', 'chunk \u0000', 'says \u001b[31mred');
  assert.equal(error.message, 'a\\u000ab.gbx: chunk \\u0000: says \\u001b[31mred');
  assert.equal(new UsageError('got "\u0000"').message, 'got "\\u0000"');
});

test('decodeModel(bytes) whose header JSON holds a NUL gives a one-line error', () => {
  const bytes = encodeModel(new Network([{ type: 'dense', inputs: 2, outputs: 2 }]), {});
  bytes[20] = 0x00;
  bytes[21] = 0x0a;
  new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  assert.throws(() => decodeModel(bytes, { source: 'nul.gbx' }), (error: Error) => {
    assert.ok(error instanceof GlassboxError);
    assert.match(error.message, /^nul\.gbx: header: is not valid JSON/);
    assert.doesNotMatch(error.message, controlCharacters);
    return true;
  });
});

test('parseCommandLine(command, args) turns a flag missing its value into a one-line UsageError', () => {
  assert.throws(() => parseCommandLine('eval', ['--limit', '--json'], { limit: { type: 'string' }, json: { type: 'boolean' } }),
    (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, "eval: Option '--limit' argument is ambiguous. Did you forget to specify the option argument for '--limit'?");
      return true;
    });
});

test('writeFileAtomic(path, bytes) with a name too long, or a NUL in it, throws a GlassboxError', () => {
  const folder = mkdtempSync(join(tmpdir(), 'glassbox-names-'));
  for (const name of ['x'.repeat(300), 'a\u0000b.gbx']) {
    assert.throws(() => writeFileAtomic(join(folder, name), new Uint8Array(4)), (error: Error) => {
      assert.ok(error instanceof GlassboxError, String(error));
      assert.match(error.message, /cannot write/);
      assert.doesNotMatch(error.message, controlCharacters);
      return true;
    });
  }
});

test('fit(network, data, { batchSize }) with a batch size far beyond the data allocates for the data only', async () => {
  const network = new Network([{ type: 'dense', inputs: 2, outputs: 2 }, { type: 'softmax' }]);
  const data = new ArrayDataset([[0, 1], [1, 0], [1, 1]], [[1, 0], [0, 1], [1, 0]]);
  const guard = installAllocationGuard(2 ** 20);
  try {
    const result = await fit(network, data, {
      loss: createLoss('cross-entropy'), optimizer: createOptimizer(network.backend, 'sgd', { learningRate: 0.1 }),
      epochs: 1, batchSize: 2 ** 31,
    });
    assert.equal(result.epochs.length, 1);
  } finally {
    guard.uninstall();
  }
  assert.deepEqual(guard.violations, []);
});

function header(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grey, not interlaced
  return ihdr;
}

/** A zlib stream that stops inside a stored block of `length` zeros, with no end. */
function unterminatedStream(length: number): Uint8Array {
  const blockHeader = [0x00, length & 0xff, length >> 8, ~length & 0xff, (~length >> 8) & 0xff];
  return new Uint8Array([0x78, 0x01, ...blockHeader, ...new Uint8Array(length)]);
}

test('decodePng(bytes, path) refuses image data cut short, which pngjs would fill with zeros', () => {
  const bytes = pngFromChunks([
    { type: 'IHDR', data: header(20, 20) }, { type: 'IDAT', data: unterminatedStream(100) },
    { type: 'IEND', data: new Uint8Array(0) },
  ]);
  assert.throws(() => decodePng(bytes, 'cut.png'),
    /^GlassboxError: cut\.png: IDAT chunk: the compressed image data does not inflate \(unexpected end of file\); the file is cut short or damaged$/);
});

test('decodePng(bytes, path) refuses a small file declaring a vast image, allocating nothing for it', () => {
  const bytes = pngFromChunks([
    { type: 'IHDR', data: header(13, 1 << 20) }, { type: 'IDAT', data: unterminatedStream(600) },
    { type: 'IEND', data: new Uint8Array(0) },
  ]);
  const guard = installAllocationGuard(2 ** 20);
  try {
    assert.throws(() => decodePng(bytes, 'vast.png'), /vast\.png: IDAT chunk: the image data is 607 bytes, too little for the image/);
  } finally {
    guard.uninstall();
  }
  assert.deepEqual(guard.violations, []);
});

test('decodePng(bytes, path) names a chunk whose type is not letters in hex', () => {
  const good = new PNG({ width: 2, height: 2 });
  const bytes = new Uint8Array(PNG.sync.write(good));
  bytes.set([0x0a, 0x00, 0x1b, 0x5b], 33 + 4); // the IDAT chunk's type, now newline, NUL, escape
  assert.throws(() => decodePng(bytes, 'odd.png'), /odd\.png: 0x0a001b5b chunk: damaged/);
});
