import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadsFlag } from '../../cli/backend-flag.js';
import { UsageError } from '../../cli/usage-error.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'glassbox-threads-'));

function glassbox(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A small, quick training run; its first stderr line (with --json) names the backend. */
function quickTrain(out: string, ...flags: string[]) {
  return glassbox('train', '--layers', '784,16,10', '--epochs', '1', '--limit', '300', '--test-limit', '100',
    '--out', join(work, out), '--json', ...flags);
}

test('threadsFlag(value) reads a whole number ≥ 1, and "auto" or nothing as auto', () => {
  assert.equal(threadsFlag('3'), 3);
  assert.equal(threadsFlag('1'), 1);
  assert.equal(threadsFlag('auto'), 'auto');
  assert.equal(threadsFlag(undefined), 'auto');
});

test('threadsFlag(value) rejects anything else with a UsageError naming the flag', () => {
  for (const bad of ['0', '-2', '1.5', 'two', '', '2x', 'AUTO', '1e3']) {
    assert.throws(() => threadsFlag(bad), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.equal(error.message, `--threads must be a whole number ≥ 1 or "auto", got "${bad}"`);
      return true;
    });
  }
});

test('glassbox train --threads 2 trains on two threads and says so', () => {
  const result = quickTrain('two.gbx', '--threads', '2');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /· wasm-\w+ backend, 2 threads\n/);
});

test('glassbox train without --threads, or with --threads auto, takes one thread per core up to 4', () => {
  const expected = Math.min(availableParallelism(), 4);
  const words = `${expected} thread${expected === 1 ? '' : 's'}`;
  for (const flags of [[], ['--threads', 'auto']]) {
    const result = quickTrain('auto.gbx', ...flags);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`· wasm-\\w+ backend, ${words}\\n`), flags.join(' '));
  }
});

test('glassbox train takes relaxed SIMD by default (turning it on in Node 20), and plain SIMD with --kernels simd', () => {
  for (const [flags, build] of [[[], 'wasm-relaxed'], [['--kernels', 'relaxed'], 'wasm-relaxed'], [['--kernels', 'simd'], 'wasm-simd']] as const) {
    const result = quickTrain('kernels.gbx', '--threads', '1', ...flags);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`· ${build} backend, 1 thread\\n`), flags.join(' '));
  }
});

test('glassbox train --backend reference --threads 1 runs the reference backend on one thread', () => {
  const result = quickTrain('reference.gbx', '--backend', 'reference', '--threads', '1');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /· reference backend, 1 thread\n/);
});

test('glassbox train, eval and predict reject a bad --threads with one clear line and exit code 2', () => {
  const model = join(work, 'any.gbx');
  const cases: [string[], RegExp][] = [
    [['train', '--threads', '0'], /--threads must be a whole number ≥ 1 or "auto", got "0"/],
    [['train', '--threads', 'many'], /--threads must be a whole number ≥ 1 or "auto", got "many"/],
    [['eval', model, '--threads', '1.5'], /--threads must be a whole number ≥ 1 or "auto", got "1\.5"/],
    [['predict', model, 'digit.png', '--threads=-1'], /--threads must be a whole number ≥ 1 or "auto"/],
    [['train', '--backend', 'reference', '--threads', '2'], /--threads 2 needs the wasm backend/],
    [['train', '--kernels', 'fast'], /--kernels must be one of auto, relaxed, simd; got "fast"/],
    [['eval', model, '--backend', 'reference', '--kernels', 'simd'], /--kernels simd picks a build of the wasm backend/],
  ];
  for (const [args, message] of cases) {
    const result = glassbox(...args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(result.stderr.trim().split('\n').length <= 2, result.stderr);
  }
});

test('glassbox train, eval and predict --help show --threads', () => {
  for (const command of ['train', 'eval', 'predict']) {
    assert.match(glassbox(command, '--help').stdout, /--threads N\|auto +threads for the wasm backend/, command);
  }
});
