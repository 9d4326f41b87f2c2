import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel, Network, Tensor } from '../../src/index.js';
import { randomBatch } from '../helpers/batch.js';
import { loadMnist } from '../../cli/mnist-files.js';
import { buildOnnx, int } from './onnx-builder.js';
import { maxAbsDifference, runOnnxRuntime } from './onnx-runtime.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'glassbox-onnx-cli-'));

function glassbox(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
    cwd: root, encoding: 'utf8', timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const network = Network.perceptron([784, 24, 10], 'relu', 'softmax', { seed: 8 });
const modelPath = join(work, 'model.gbx');
writeFileSync(modelPath, encodeModel(network, { seed: 8, data: 'none: random weights' }));

test('glassbox export MODEL --onnx OUT writes a file onnxruntime runs as Glassbox does', async () => {
  const result = glassbox('export', modelPath, '--onnx', join(work, 'model.onnx'));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Wrote .*model\.onnx: Network\(Dense\(784→24\)/);
  const { x } = randomBatch(4, 784, 10, 1);
  const expected = network.forward(x, false).data;
  const actual = await runOnnxRuntime(readFileSync(join(work, 'model.onnx')), x);
  assert.ok(maxAbsDifference(actual, expected) <= 1e-5);
  assert.deepEqual(readdirSync(work).filter((name) => name.endsWith('.tmp')), [], 'no temporary files left');
});

test('glassbox import MODEL.onnx saves the same network as a model file', () => {
  glassbox('export', modelPath, '--onnx', join(work, 'again.onnx'));
  const result = glassbox('import', join(work, 'again.onnx'));
  assert.equal(result.code, 0, result.stderr);
  const { network: copy, info } = decodeModel(readFileSync(join(work, 'again.gbx')));
  assert.deepEqual(copy.specs(), network.specs());
  const x = new Tensor([1, 784], new Float32Array(784).fill(0.5));
  assert.deepEqual(copy.forward(x).data, network.forward(x).data);
  assert.equal(info.importedFrom, 'ONNX');
});

test('glassbox export of a deskewing model (as the presets train) and import give back the same network', async () => {
  const deskewing = Network.perceptron([784, 16, 10], 'relu', 'softmax', { seed: 9, deskew: { width: 28, height: 28 } });
  writeFileSync(join(work, 'deskew.gbx'), encodeModel(deskewing, { seed: 9 }));
  const exported = glassbox('export', join(work, 'deskew.gbx'), '--onnx', join(work, 'deskew.onnx'));
  assert.equal(exported.code, 0, exported.stderr);
  const digits = loadMnist('test').slice(0, 50);
  const x = new Tensor([50, 784], Float32Array.from(digits.pixels, (pixel) => pixel / 255));
  const actual = await runOnnxRuntime(readFileSync(join(work, 'deskew.onnx')), x);
  assert.ok(maxAbsDifference(actual, deskewing.forward(x, false).data) <= 1e-5);
  const imported = glassbox('import', join(work, 'deskew.onnx'), '--out', join(work, 'deskew-again.gbx'));
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /Network\(Deskew\(28×28\) → Dense\(784→16\)/);
  const { network: copy } = decodeModel(readFileSync(join(work, 'deskew-again.gbx')));
  assert.deepEqual(encodeModel(copy, {}), encodeModel(deskewing, {}), 'the same model file, bit for bit');
});

test('glassbox import names the node and op it cannot represent, in one line, exit 1', () => {
  writeFileSync(join(work, 'conv.onnx'), buildOnnx({
    input: { name: 'x', dims: ['N', 1, 28, 28] }, output: 'y', initializers: [],
    nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'conv1', attributes: { group: int(1) } }],
  }));
  const result = glassbox('import', join(work, 'conv.onnx'), '--out', join(work, 'conv.gbx'));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^glassbox import: .*conv\.onnx: node "conv1" \(Conv\): is an op Glassbox cannot represent/);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.ok(!readdirSync(work).includes('conv.gbx'), 'nothing saved');
});

test('glassbox export without --onnx is a usage error; an ONNX file given as MODEL gets a hint', () => {
  const usage = glassbox('export', modelPath);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /export needs --onnx OUT\.onnx/);
  const hint = glassbox('inspect', join(work, 'model.onnx'));
  assert.equal(hint.code, 1);
  assert.match(hint.stderr, /model\.onnx: is an ONNX file; import it first: glassbox import/);
});

test('glassbox export --help and import --help end with examples', () => {
  for (const command of ['export', 'import']) {
    const result = glassbox(command, '--help');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Examples:\n(  .+\n?)+$/);
  }
});
