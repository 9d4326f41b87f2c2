import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeapSampler } from '../../bench/heap-sampler.js';

/** Keeps what the test allocates reachable until it is counted, so that no optimizer drops it. */
const kept: unknown[] = [];

function allocateArrays(count: number, length: number): void {
  for (let i = 0; i < count; i++) kept.push(new Array<number>(length).fill(i + 0.5));
}

function measuring(): void {
  allocateArrays(2000, 100);
}

test('HeapSampler estimates the bytes allocated between start() and stop(), and sums the measuring\'s apart', () => {
  const sampler = new HeapSampler(128, 'measuring');
  sampler.start();
  assert.equal(sampler.running, true);
  // 5,000 arrays of 200 doubles: 1,600 bytes of elements and a few dozen of headers each, about
  // 8.2 MB in all, half of it let go before stop() (the profiler counts collected objects too);
  // then 2,000 arrays of 100 under `measuring`, about 1.7 MB.
  allocateArrays(5000, 200);
  kept.length = 2500;
  measuring();
  const { bytes, measuringBytes } = sampler.stop();
  assert.equal(sampler.running, false);
  assert.ok(bytes > 7.5e6 && bytes < 9.2e6, `the allocations' share: ${bytes} bytes, against about 8.2 MB`);
  assert.ok(measuringBytes > 1.5e6 && measuringBytes < 2.0e6, `the measuring's: ${measuringBytes} bytes, against about 1.7 MB`);
  kept.length = 0;
});

test('HeapSampler counts close to nothing when nothing is allocated', () => {
  const sampler = new HeapSampler(128, 'measuring');
  sampler.start();
  // Small integers only: a sum past 2^31 would be boxed, one number allocated a turn, until V8
  // optimizes the loop.
  let sum = 0;
  for (let i = 0; i < 1e6; i++) sum = (sum + i) & 0xffff;
  const { bytes } = sampler.stop();
  assert.ok(sum >= 0);
  assert.ok(bytes < 10_000, `${bytes} bytes for a loop that allocates nothing`);
});
