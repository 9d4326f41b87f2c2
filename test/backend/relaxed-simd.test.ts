// Node 20 compiles relaxed SIMD only behind --experimental-wasm-relaxed-simd, so the relaxed build
// of the kernels is tested by rerunning the kernel suites in a child Node with that flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { RELAXED_SIMD_FLAG, supportedVariants } from '../../src/backend/wasm/load-kernels.js';

const flag = RELAXED_SIMD_FLAG;
const suites = ['test/backend/kernels.test.ts', 'test/backend/matmul.test.ts', 'test/backend/network-on-wasm.test.ts'];

function node(args: string[], flags = [flag]) {
  // Without NODE_TEST_CONTEXT, which would make the child report to this runner, not to stdout.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return spawnSync(process.execPath, [...flags, '--import', 'tsx', ...args], { encoding: 'utf8', env, timeout: 600_000 });
}

test('the relaxed SIMD build passes the kernel suites (in a child Node with relaxed SIMD on)', async (t) => {
  if (supportedVariants().includes('relaxed')) {
    t.skip('this runtime already runs relaxed SIMD in the kernel suites themselves');
    return;
  }
  const probe = node(['--input-type=module', '-e',
    "import { supportedVariants } from './src/backend/wasm/load-kernels.ts'; console.log(supportedVariants().join(','))"]);
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout.trim(), 'relaxed,simd', 'the flag turns relaxed SIMD on');
  const run = node(['--test', '--test-reporter=tap', ...suites]);
  assert.equal(run.status, 0, run.stdout.split('\n').filter((line) => /not ok|Error|expected/.test(line)).join('\n'));
  assert.match(run.stdout, /kernels on wasm-relaxed, shared memory/);
});

test('enableRelaxedSimd() turns relaxed SIMD on in a Node that started without the flag', async (t) => {
  if (supportedVariants().includes('relaxed')) {
    t.skip('this runtime has relaxed SIMD on already');
    return;
  }
  // In a child: the flag, once set, stays set for the whole process.
  const script = [
    "import { enableRelaxedSimd, createWasmBackend } from './src/index.ts';",
    "import { supportedVariants } from './src/backend/wasm/load-kernels.ts';",
    "const before = supportedVariants().join(',');",
    'const enabled = enableRelaxedSimd();',
    'const backend = await createWasmBackend({ threads: 1 });',
    "console.log([before, enabled, supportedVariants().join(','), backend.name].join(' '));",
  ].join('\n');
  const probe = node(['--input-type=module', '-e', script], []);
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout.trim(), 'simd true relaxed,simd wasm-relaxed');
});
