import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadMnist } from '../../cli/mnist-files.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'glassbox-cli-'));
const model = join(work, 'model.gbx');

function glassbox(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A clean failure: the given exit code, one line (plus a usage hint) on stderr, no stack trace. */
function assertCleanFailure(result: ReturnType<typeof glassbox>, code: number, message: RegExp) {
  assert.equal(result.code, code, result.stderr);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(result.stderr.trim().split('\n').length <= 2, result.stderr);
}

/** An MNIST test digit drawn big, dark on light, off-centre in a wide RGBA PNG. */
function writeDigitPng(file: string, index: number): number {
  const test = loadMnist('test');
  const png = new PNG({ width: 200, height: 150 });
  png.data.fill(255);
  for (let y = 0; y < 28 * 4; y++) {
    for (let x = 0; x < 28 * 4; x++) {
      const ink = test.pixels[index * 784 + Math.floor(y / 4) * 28 + Math.floor(x / 4)];
      const at = ((y + 20) * 200 + (x + 70)) * 4;
      png.data[at] = png.data[at + 1] = png.data[at + 2] = 255 - ink;
    }
  }
  writeFileSync(file, PNG.sync.write(png));
  return test.labels[index];
}

before(() => {
  const result = glassbox('train', '--layers', '784,48,10', '--activation', 'relu', '--output', 'softmax',
    '--loss', 'cross-entropy', '--optimizer', 'momentum', '--lr', '0.05', '--epochs', '2', '--batch', '32',
    '--limit', '3000', '--test-limit', '500', '--seed', '3', '--out', model, '--json');
  assert.equal(result.code, 0, result.stderr);
  (globalThis as { trainOutput?: string }).trainOutput = result.stdout;
});

test('glassbox train --json prints one JSON object per epoch and saves the model', () => {
  const lines = (globalThis as { trainOutput?: string }).trainOutput!.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(lines.map((l) => l.epoch), [1, 2]);
  for (const line of lines) {
    for (const key of ['loss', 'trainAccuracy', 'testAccuracy', 'seconds']) assert.equal(typeof line[key], 'number', key);
    assert.ok(line.trainAccuracy > 0 && line.trainAccuracy <= 1 && line.testAccuracy > 0 && line.testAccuracy <= 1);
  }
  assert.ok(lines[1].testAccuracy > 0.85, `test accuracy ${lines[1].testAccuracy}`);
  assert.ok(existsSync(model));
});

test('glassbox eval MODEL --json reports accuracy and a confusion matrix', () => {
  const result = glassbox('eval', model, '--json', '--limit', '500');
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.ok(report.accuracy > 0.85 && report.accuracy <= 1);
  assert.equal(report.confusion.length, 10);
  assert.equal(report.confusion.flat().reduce((a: number, b: number) => a + b, 0), 500);
  const table = glassbox('eval', model, '--limit', '500');
  assert.match(table.stdout, /Confusion matrix/);
});

test('glassbox predict MODEL IMAGE.png --json reads PNGs the test writes and guesses their digits', () => {
  const files = [0, 1, 2, 3, 4].map((index) => {
    const file = join(work, `digit-${index}.png`);
    return { file, label: writeDigitPng(file, index) };
  });
  const result = glassbox('predict', model, ...files.map((f) => f.file), '--json');
  assert.equal(result.code, 0, result.stderr);
  const answers = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(answers.map((a) => a.file), files.map((f) => f.file));
  for (const answer of answers) {
    assert.equal(answer.probabilities.length, 10);
    assert.ok(Math.abs(answer.probabilities.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-4);
  }
  const right = answers.filter((a, i) => a.digit === files[i].label).length;
  assert.ok(right >= 4, `${right} of 5 right: ${JSON.stringify(answers.map((a) => a.digit))}`);
  const shown = glassbox('predict', model, files[0].file, '--show');
  assert.match(shown.stdout, /\|[ .:\-=+*#%@]{56}\|/);
});

test('glassbox inspect MODEL shows the layers and how the model was made', () => {
  // --layers keeps the rest of the default preset, its deskewing included.
  const result = glassbox('inspect', model, '--json');
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.deepEqual(report.layers.map((l: { layer: string }) => l.layer), ['Deskew(28×28)', 'Dense(784→48)', 'ReLU', 'Dense(48→10)', 'Softmax']);
  assert.equal(report.info.seed, 3);
  assert.equal(report.info.epochs, 2);
  assert.equal(typeof report.info.testAccuracy, 'number');
  assert.match(glassbox('inspect', model).stdout, /How it was made/);
});

test('glassbox fails with one clear line, never a stack trace', () => {
  assertCleanFailure(glassbox('train', '--frobnicate'), 2, /Unknown option '--frobnicate'/);
  assertCleanFailure(glassbox('train', '--layers', '785,10'), 2, /--layers must start with 784/);
  assertCleanFailure(glassbox('train', '--layers', '784,16,9'), 2, /must end with 10/);
  assertCleanFailure(glassbox('train', '--lr', 'fast'), 2, /--lr must be a number/);
  assertCleanFailure(glassbox('train', '--preset', 'huge'), 2, /--preset must be one of/);
  assertCleanFailure(glassbox('dance'), 2, /unknown command "dance"/);
  assertCleanFailure(glassbox('eval', join(work, 'missing.gbx')), 1, /missing\.gbx: cannot read: no such file/);
  const corrupt = join(work, 'corrupt.gbx');
  writeFileSync(corrupt, readFileSync(model).subarray(0, 300));
  assertCleanFailure(glassbox('eval', corrupt), 1, /corrupt\.gbx: /);
  const notPng = join(work, 'not-a.png');
  writeFileSync(notPng, 'this is text, not a picture');
  assertCleanFailure(glassbox('predict', model, notPng), 1, /not-a\.png/);
});

test('glassbox --help and each command --help end with examples', () => {
  for (const args of [['--help'], ['train', '--help'], ['eval', '--help'], ['predict', '--help'], ['inspect', '--help']]) {
    const result = glassbox(...args);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Examples:\n(  glassbox .+\n?)+$/);
  }
});

test('glassbox train interrupted by Ctrl-C saves nothing and leaves the old model intact', async () => {
  const target = join(work, 'interrupted.gbx');
  writeFileSync(target, readFileSync(model));
  const before = readFileSync(target);
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), 'train', '--layers', '784,64,10',
    '--activation', 'relu', '--output', 'softmax', '--loss', 'cross-entropy', '--epochs', '50', '--limit', '2000',
    '--test-limit', '200', '--out', target, '--json'], { cwd: root });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // Interrupt once the first epoch is reported, which proves training was under way.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted; nothing was saved/);
  assert.deepEqual(readFileSync(target), before);
});
