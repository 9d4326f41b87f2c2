import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/index.js';

const draw = (random: Random, n: number) => Array.from({ length: n }, () => random.nextUint32());

test('new Random(seed) repeats the same sequence for the same seed', () => {
  assert.deepEqual(draw(new Random(42), 100), draw(new Random(42), 100));
});

test('new Random(seed) gives different sequences for nearby seeds', () => {
  assert.notDeepEqual(draw(new Random(1), 10), draw(new Random(2), 10));
});

test('random.getState() and setState() resume the sequence exactly', () => {
  const random = new Random(9);
  draw(random, 37);
  const saved = random.getState();
  const expected = draw(random, 50);
  const resumed = new Random(0);
  resumed.setState(saved);
  assert.deepEqual(draw(resumed, 50), expected);
});

test('random.next() is uniform on [0, 1) and gaussian() has mean 0 and std 1', () => {
  const random = new Random(3);
  const n = 100_000;
  let sum = 0;
  let min = 1;
  let max = 0;
  let gaussianSum = 0;
  let gaussianSquares = 0;
  for (let i = 0; i < n; i++) {
    const u = random.next();
    sum += u;
    min = Math.min(min, u);
    max = Math.max(max, u);
    const g = random.gaussian();
    gaussianSum += g;
    gaussianSquares += g * g;
  }
  assert.ok(min >= 0 && max < 1);
  assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
  const mean = gaussianSum / n;
  assert.ok(Math.abs(mean) < 0.02, `gaussian mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(gaussianSquares / n - mean * mean) - 1) < 0.02);
});

test('random.shuffle(items) is a permutation', () => {
  const items = Int32Array.from({ length: 1000 }, (_, i) => i);
  new Random(5).shuffle(items);
  assert.notDeepEqual(Array.from(items), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(Array.from(items).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
});

test('random.setState(words) rejects an all-zero or malformed state', () => {
  const random = new Random(1);
  assert.throws(() => random.setState([0, 0, 0, 0]), /all zero/);
  assert.throws(() => random.setState([1, 2, 3]), /four 32-bit/);
  assert.throws(() => new Random(NaN), /finite/);
});
