import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel } from '../../src/index.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'glassbox-resume-'));
const main = join(root, 'cli', 'main.ts');
// Dropout, shuffling and momentum all carry state between epochs: resuming must restore each.
const run = ['train', '--layers', '784,40,10', '--activation', 'relu', '--output', 'softmax', '--loss', 'cross-entropy',
  '--optimizer', 'momentum', '--nesterov', '--lr', '0.05', '--lr-decay', '0.9', '--dropout', '0.2', '--batch', '50',
  '--epochs', '4', '--limit', '1500', '--test-limit', '300', '--seed', '11', '--json'];

function weights(file: string): number[][] {
  return decodeModel(readFileSync(file)).network.params().map((p) => Array.from(p.value.data));
}

test('glassbox train --resume after SIGKILL gives weights bit-identical to an uninterrupted run', async () => {
  const whole = join(work, 'whole.gbx');
  const straight = spawnSync(process.execPath, ['--import', 'tsx', main, ...run, '--out', whole], { cwd: root, encoding: 'utf8' });
  assert.equal(straight.status, 0, straight.stderr);

  const checkpoint = join(work, 'run.ckpt.gbx');
  const resumed = join(work, 'resumed.gbx');
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...run, '--out', resumed, '--checkpoint', checkpoint], { cwd: root });
  // Each epoch line is printed after that epoch's checkpoint is on disk: kill after the second.
  let lines = 0;
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => {
    lines += chunk.toString().split('\n').filter((l) => l.startsWith('{')).length;
    if (lines >= 2) resolve();
  }));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(!existsSync(resumed), 'the killed run saved no model');
  const saved = decodeModel(readFileSync(checkpoint)).training!;
  assert.ok(saved.epoch >= 2 && saved.epoch < 4, `checkpoint at epoch ${saved.epoch}`);

  const rest = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--resume', checkpoint, '--out', resumed, '--json'],
    { cwd: root, encoding: 'utf8' });
  assert.equal(rest.status, 0, rest.stderr);
  const epochs = rest.stdout.trim().split('\n').map((l) => JSON.parse(l).epoch);
  assert.deepEqual(epochs, Array.from({ length: 4 - saved.epoch }, (_, i) => saved.epoch + 1 + i));
  assert.deepEqual(weights(resumed), weights(whole));
});

test('glassbox train --resume refuses run flags and plain models, in one line', () => {
  const model = join(work, 'plain.gbx');
  const made = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--layers', '784,8,10', '--epochs', '1',
    '--limit', '200', '--test-limit', '100', '--out', model, '--json'], { cwd: root, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const plain = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--resume', model], { cwd: root, encoding: 'utf8' });
  assert.equal(plain.status, 1);
  assert.match(plain.stderr, /plain\.gbx: is a model, not a checkpoint/);
  const mixed = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--resume', model, '--lr', '1'], { cwd: root, encoding: 'utf8' });
  assert.equal(mixed.status, 2);
  assert.match(mixed.stderr, /--resume continues the saved run as it was set up; drop --lr/);
});

test('glassbox train stops a diverging run naming epoch and batch, and writes no model', () => {
  const out = join(work, 'diverged.gbx');
  const checkpoint = join(work, 'diverged.ckpt.gbx');
  const result = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--layers', '784,32,10', '--activation', 'relu',
    '--output', 'softmax', '--loss', 'cross-entropy', '--optimizer', 'sgd', '--lr', '1e38', '--epochs', '3', '--limit', '500',
    '--test-limit', '100', '--out', out, '--checkpoint', checkpoint], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /training diverged: the loss became (NaN|Infinity) at epoch 1, batch \d+.*nothing was saved/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  assert.ok(!existsSync(out));
});
