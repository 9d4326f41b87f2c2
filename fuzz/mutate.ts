import type { Random } from '../src/index.js';

/**
 * Byte-level mutations, as a fuzzer applies them to a valid file: each returns a new array and
 * says what it did. They know nothing of the format; the targets add format-aware ones.
 */

/** Sizes and counts that break readers: zero, off by one, the edges of 16 and 32 bits, 4e9. */
export const interestingU32 = [
  0, 1, 2, 3, 4, 7, 8, 10, 16, 27, 28, 29, 255, 256, 784, 1000, 65535, 65536, 2 ** 24,
  2 ** 24 + 1, 2 ** 31 - 1, 2 ** 31, 4_000_000_000, 2 ** 32 - 1,
];

const interestingBytes = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0d, 0x0a, 0x1a];

export interface Mutation {
  bytes: Uint8Array;
  description: string;
}

type Mutator = (bytes: Uint8Array, random: Random) => Mutation;

const mutators: Mutator[] = [
  function truncate(bytes, random) {
    const at = random.int(bytes.length + 1);
    return { bytes: copyOf(bytes.subarray(0, at)), description: `truncated to ${at} bytes` };
  },
  function flipBits(bytes, random) {
    const copy = copyOf(bytes);
    const flips = 1 + random.int(8);
    for (let i = 0; i < flips && copy.length > 0; i++) copy[random.int(copy.length)] ^= 1 << random.int(8);
    return { bytes: copy, description: `${flips} bits flipped` };
  },
  function setBytes(bytes, random) {
    const copy = copyOf(bytes);
    const count = 1 + random.int(4);
    for (let i = 0; i < count && copy.length > 0; i++) {
      copy[random.int(copy.length)] = interestingBytes[random.int(interestingBytes.length)];
    }
    return { bytes: copy, description: `${count} bytes set` };
  },
  function overwriteU32(bytes, random) {
    if (bytes.length < 4) return { bytes: copyOf(bytes), description: 'too short for a u32' };
    const copy = copyOf(bytes);
    const at = random.int(copy.length - 3);
    const value = interestingU32[random.int(interestingU32.length)];
    const littleEndian = random.next() < 0.5;
    new DataView(copy.buffer).setUint32(at, value, littleEndian);
    return { bytes: copy, description: `u32 ${value} (${littleEndian ? 'LE' : 'BE'}) at ${at}` };
  },
  function byteRun(bytes, random) {
    const copy = copyOf(bytes);
    const at = random.int(copy.length + 1);
    const length = Math.min(copy.length - at, 1 + random.int(64));
    const value = random.next() < 0.5 ? 0 : random.int(256);
    copy.fill(value, at, at + length);
    return { bytes: copy, description: `${length} bytes of ${value} at ${at}` };
  },
  function insertBytes(bytes, random) {
    const at = random.int(bytes.length + 1);
    const length = 1 + random.int(random.next() < 0.9 ? 16 : 4096);
    const inserted = new Uint8Array(length).map(() => random.int(256));
    return { bytes: concat(bytes.subarray(0, at), inserted, bytes.subarray(at)), description: `${length} bytes inserted at ${at}` };
  },
  function deleteBytes(bytes, random) {
    const at = random.int(bytes.length + 1);
    const length = 1 + random.int(64);
    return { bytes: concat(bytes.subarray(0, at), bytes.subarray(at + length)), description: `${length} bytes deleted at ${at}` };
  },
  function duplicateRange(bytes, random) {
    const from = random.int(bytes.length + 1);
    const length = Math.min(bytes.length - from, 1 + random.int(256));
    const at = random.int(bytes.length + 1);
    return {
      bytes: concat(bytes.subarray(0, at), bytes.subarray(from, from + length), bytes.subarray(at)),
      description: `${length} bytes from ${from} copied to ${at}`,
    };
  },
  function appendGarbage(bytes, random) {
    const length = 1 + random.int(100);
    return { bytes: concat(bytes, new Uint8Array(length).map(() => random.int(256))), description: `${length} bytes appended` };
  },
];

/** One to three byte-level mutations in a row. */
export function mutateBytes(bytes: Uint8Array, random: Random): Mutation {
  let current = bytes;
  const steps: string[] = [];
  const count = 1 + random.int(3);
  for (let i = 0; i < count; i++) {
    const { bytes: next, description } = mutators[random.int(mutators.length)](current, random);
    current = next;
    steps.push(description);
  }
  return { bytes: current, description: steps.join('; ') };
}

/**
 * A copy in fresh memory. A Node Buffer's slice() shares memory (and its ArrayBuffer is a pool
 * shared with other Buffers), so mutating one would change the seed, or worse, its neighbours.
 */
export function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[random.int(items.length)];
}

/**
 * A value of the wrong kind for a JSON field, or the right kind at a hostile size: wrong types,
 * huge, negative, zero and fractional numbers, long and empty strings, deep nesting.
 */
export function hostileJsonValue(random: Random): unknown {
  const values: (() => unknown)[] = [
    () => null, () => true, () => false, () => 0, () => -1, () => 1.5, () => 1e308, () => -1e308,
    () => 4e9, () => 2 ** 31, () => 2 ** 53, () => 2 ** 24 + 1, () => 1, () => 784, () => '',
    () => 'x', () => '784', () => 'dense', () => [], () => [1, 2], () => ({}), () => ({ type: 'dense' }),
    () => 'x'.repeat(10_000), () => nested(1 + random.int(1000)), () => 5e-324, () => -0,
  ];
  return pick(random, values)();
}

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A value as JSON for a case's description, cut short. */
export function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
