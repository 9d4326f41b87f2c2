import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreRoundTripNanoseconds } from '../../bench/core-distance.js';

test('coreRoundTripNanoseconds() passes a cache line to a worker thread and back, and stops the worker', async () => {
  // It returns only once the worker has answered every round trip, and then stops it (a worker
  // left spinning would keep this test's process alive). Few round trips: on a busy machine
  // the two threads may have to take turns on one core.
  const nanoseconds = await coreRoundTripNanoseconds(200, 1);
  assert.ok(Number.isFinite(nanoseconds) && nanoseconds > 0, `${nanoseconds} ns`);
});
