import { PNG } from 'pngjs';
import { crc32, type Random } from '../../src/index.js';
import { decodePng } from '../../cli/png.js';
import {
  InvalidResult, isCleanGlassboxError, readerAllocationLimit, type FuzzCase, type FuzzTarget,
} from '../fuzz-target.js';
import { concat, copyOf, interestingU32, mutateBytes, pick } from '../mutate.js';

const source = 'fuzz.png';

let cachedSeeds: Uint8Array[] | undefined;

/** Small valid PNGs of each colour type pngjs writes, 8 and 16 bits, some interlaced-free. */
export function pngSeeds(): Uint8Array[] {
  cachedSeeds ??= [
    { colorType: 0, bitDepth: 8 }, { colorType: 2, bitDepth: 8 }, { colorType: 4, bitDepth: 8 },
    { colorType: 6, bitDepth: 8 }, { colorType: 0, bitDepth: 16 }, { colorType: 6, bitDepth: 16 },
  ].map(({ colorType, bitDepth }, k) => {
    const width = 3 + k * 5;
    const height = 2 + k * 3;
    const png = new PNG({ width, height });
    for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37 + k) % 256;
    const bytes = PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true } as object);
    return copyOf(bytes);
  });
  return cachedSeeds;
}

export interface Chunk {
  type: string;
  data: Uint8Array;
}

function chunks(bytes: Uint8Array): Chunk[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const result: Chunk[] = [];
  for (let offset = 8; offset + 12 <= bytes.length;) {
    const length = view.getUint32(offset);
    result.push({ type: String.fromCharCode(...bytes.subarray(offset + 4, offset + 8)), data: copyOf(bytes.subarray(offset + 8, offset + 8 + length)) });
    offset += 12 + length;
  }
  return result;
}

/** A PNG from chunks, each with a correct checksum, so that what lies behind them is reached. */
export function pngFromChunks(list: Chunk[]): Uint8Array {
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const { type, data } of list) {
    const chunk = new Uint8Array(12 + data.length);
    const view = new DataView(chunk.buffer);
    view.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i) & 0xff;
    chunk.set(data, 8);
    view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
    parts.push(chunk);
  }
  return concat(...parts);
}

/** IHDR fields: width, height, bit depth, colour type, compression, filter, interlace. */
function mutateHeader(list: Chunk[], random: Random): string {
  const header = list.find((chunk) => chunk.type === 'IHDR');
  if (header === undefined || header.data.length < 13) return 'no IHDR to change';
  const view = new DataView(header.data.buffer, header.data.byteOffset);
  const field = random.int(7);
  if (field < 2) {
    const value = random.next() < 0.3
      ? pick(random, [7072, 7071, 100_000, 50_000_000, 1 << 20])
      : pick(random, interestingU32);
    view.setUint32(field * 4, value);
    return `${field === 0 ? 'width' : 'height'} = ${value}`;
  }
  const values = [[0, 1, 2, 3, 4, 5, 8, 16, 32, 255], [0, 1, 2, 3, 4, 5, 6, 7, 255], [0, 1, 255], [0, 1, 255], [0, 1, 2, 255]];
  const value = pick(random, values[field - 2]);
  header.data[8 + field - 2] = value;
  return `${['bit depth', 'colour type', 'compression', 'filter', 'interlace'][field - 2]} = ${value}`;
}

/** The chunk list: lose, repeat, reorder, resize, or add chunks such as PLTE and tRNS. */
function mutateChunks(list: Chunk[], random: Random): string {
  const choice = random.int(7);
  const at = random.int(list.length);
  if (choice === 0) {
    const [removed] = list.splice(at, 1);
    return `${removed.type} removed`;
  }
  if (choice === 1) {
    list.splice(at, 0, { type: list[at].type, data: copyOf(list[at].data) });
    return `${list[at].type} repeated`;
  }
  if (choice === 2) {
    const other = random.int(list.length);
    [list[at], list[other]] = [list[other], list[at]];
    return `chunks ${at} and ${other} swapped`;
  }
  if (choice === 3) {
    const length = pick(random, [0, 1, 3, 6, 768, 771]);
    list.splice(Math.min(1, list.length), 0, { type: 'PLTE', data: new Uint8Array(length).map(() => random.int(256)) });
    return `PLTE of ${length} bytes added`;
  }
  if (choice === 4) {
    const length = pick(random, [0, 1, 2, 6, 300]);
    list.splice(Math.max(list.length - 2, 0), 0, { type: 'tRNS', data: new Uint8Array(length).map(() => random.int(256)) });
    return `tRNS of ${length} bytes added`;
  }
  if (choice === 5) {
    const type = pick(random, ['tEXt', 'IDAT', 'iCCP', 'abcd', '\n\u0000\u001b[', 'IEND']);
    list.splice(at, 0, { type, data: new Uint8Array(random.int(40)).map(() => random.int(256)) });
    return `chunk ${JSON.stringify(type)} inserted`;
  }
  const chunk = list[at];
  chunk.data = copyOf(chunk.data.subarray(0, random.int(chunk.data.length + 1)));
  return `${chunk.type} cut to ${chunk.data.length} bytes`;
}

/** The compressed image data: damaged, cut short, or replaced by a stream of the wrong size. */
function mutateData(list: Chunk[], random: Random): string {
  const data = list.find((chunk) => chunk.type === 'IDAT');
  if (data === undefined) return 'no IDAT to change';
  if (random.next() < 0.6) {
    const { bytes, description } = mutateBytes(data.data, random);
    data.data = bytes;
    return `IDAT: ${description}`;
  }
  // A zlib stream that inflates to very many zero bytes: far more, or far less, than the image.
  const stored = pick(random, [0, 1, 100, 65_535]);
  const zeros = new Uint8Array(stored);
  const block = concat(new Uint8Array([0x78, 0x01, 0x01, stored & 0xff, stored >> 8, ~stored & 0xff, (~stored >> 8) & 0xff]), zeros);
  data.data = block;
  return `IDAT replaced by an unterminated stored block of ${stored} bytes`;
}

function generate(random: Random): FuzzCase {
  const seed = pick(random, pngSeeds());
  const choice = random.next();
  if (choice < 0.2) {
    const { bytes, description } = mutateBytes(seed, random);
    return { input: bytes, description: `bytes: ${description}` };
  }
  const list = chunks(seed);
  const steps: string[] = [];
  for (let i = 0, n = 1 + random.int(2); i < n; i++) {
    const kind = random.next();
    steps.push(kind < 0.4 ? mutateHeader(list, random) : kind < 0.7 ? mutateChunks(list, random) : mutateData(list, random));
  }
  return { input: pngFromChunks(list), description: `${steps.join('; ')}; checksums fixed` };
}

export const pngTarget: FuzzTarget = {
  name: 'png',
  reader: 'decodePng(bytes) (readPng without the file)',
  generate,
  run(fuzzCase) {
    const image = decodePng(fuzzCase.input as Uint8Array, source);
    if (image.data.length !== image.width * image.height * 4) {
      throw new InvalidResult(`${image.width}×${image.height} RGBA, but ${image.data.length} bytes`);
    }
  },
  maxAllocationBytes: readerAllocationLimit,
  clean: (error) => isCleanGlassboxError(error, source),
};
