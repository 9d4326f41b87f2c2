import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { installAllocationGuard, type AllocationGuard } from '../../fuzz/allocation-guard.js';
import { runCases } from '../../fuzz/run-cases.js';
import { findTarget } from '../../fuzz/targets.js';

/**
 * A fixed sample of the fuzzer's cases for each reader (npm run fuzz runs 10,000 each): every
 * case must end in a clean GlassboxError naming the file, or a valid result, with no single
 * allocation over 64 MB. The seed is fixed, so a failure here is the same input every run.
 */
const seed = 20240;
const casesPerReader = 300;

let guard: AllocationGuard;
before(() => {
  guard = installAllocationGuard(findTarget('model')!.maxAllocationBytes);
});
after(() => guard.uninstall());

for (const name of ['model', 'onnx', 'idx', 'png']) {
  const target = findTarget(name)!;
  test(`${target.reader} ends ${casesPerReader} hostile inputs in a clean refusal or a valid result`, { timeout: 120_000 }, async () => {
    const summary = await runCases(target, {
      seed, from: 0, to: casesPerReader, guard, bounds: { timeoutMs: Infinity, heapGrowthBytes: 256 * 2 ** 20 },
    });
    const failures = summary.failures.slice(0, 3).map((f) => `case ${f.index} (${f.description}): ${f.detail}`);
    assert.deepEqual(failures, []);
    assert.equal(summary.cases, casesPerReader);
    // The sample reaches past the first check: some inputs decode, and the refusals name many
    // different fields.
    assert.ok(summary.accepted > 0, 'some mutated inputs are still valid');
    assert.ok(Object.keys(summary.fields).length >= 5, `refusals name ${JSON.stringify(summary.fields)}`);
  });
}
