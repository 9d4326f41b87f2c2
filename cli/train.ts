import {
  activationNames, createLoss, createOptimizer, encodeModel, evaluate, fit, initializerNames, lossNames,
  modelFileExtension, Network, optimizerNames, Random, type EpochEvent, type ModelInfo,
} from '../src/index.js';
import { choiceFlag, numberFlag, parseCommandLine } from './args.js';
import { writeFileAtomic } from './files.js';
import { loadMnist } from './mnist-files.js';
import { presets } from './presets.js';
import { formatSeconds, ProgressBar } from './progress-bar.js';
import { UsageError } from './usage-error.js';
import { chooseBackend, backendFlag } from './backend-flag.js';

export const trainHelp = `Usage: glassbox train [options]

Trains a network on the 60,000 MNIST training digits and saves it. Each epoch prints its loss,
training and test accuracy and time; a progress bar shows throughput and time left.

Options:
  --preset NAME        ${Object.entries(presets).map(([name, p]) => `${name}: ${p.description}`).join('\n                       ')}
                       (default: default)
  --layers SIZES       layer sizes, first 784 and last 10, such as 784,16,16,10
  --activation NAME    hidden layers: ${activationNames.filter((a) => a !== 'softmax').join(', ')}
  --output NAME        output layer: ${activationNames.join(', ')}
  --loss NAME          ${lossNames.join(', ')} (cross-entropy needs --output softmax or sigmoid)
  --optimizer NAME     ${optimizerNames.join(', ')}
  --lr N               learning rate
  --lr-decay N         multiply the learning rate by N after each epoch (1 = constant)
  --momentum N         momentum for --optimizer momentum (default 0.9)
  --nesterov           Nesterov momentum
  --weight-decay N     L2 weight decay λ
  --dropout N          dropout rate after each hidden layer, 0 to < 1
  --init NAME          ${initializerNames.join(', ')}
  --batch N            mini-batch size
  --epochs N           passes over the training set
  --seed N             seed for initial weights, shuffling and dropout (default 1)
  --limit N            train on the first N training digits only
  --test-limit N       test on the first N test digits only
  --out FILE           where to save (default models/PRESET${modelFileExtension}); written atomically
  ${backendFlag.help}
  --json               no progress bar; one JSON object per epoch on stdout
  -h, --help           this help

Examples:
  glassbox train --preset 3b1b
  glassbox train --layers 784,100,10 --activation relu --output softmax --loss cross-entropy --epochs 5
  glassbox train --preset default --seed 7 --out models/seed7.gbx --json`;

export async function train(args: string[]): Promise<void> {
  const { values } = parseCommandLine('train', args, {
    preset: { type: 'string' }, layers: { type: 'string' }, activation: { type: 'string' },
    output: { type: 'string' }, loss: { type: 'string' }, optimizer: { type: 'string' },
    lr: { type: 'string' }, 'lr-decay': { type: 'string' }, momentum: { type: 'string' },
    nesterov: { type: 'boolean' }, 'weight-decay': { type: 'string' }, dropout: { type: 'string' },
    init: { type: 'string' }, batch: { type: 'string' }, epochs: { type: 'string' },
    seed: { type: 'string' }, limit: { type: 'string' }, 'test-limit': { type: 'string' },
    out: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(trainHelp);
    return;
  }
  const presetName = values.preset ?? 'default';
  const preset = presets[presetName];
  if (preset === undefined) {
    throw new UsageError(`--preset must be one of ${Object.keys(presets).join(', ')}; got "${presetName}"`);
  }
  const layers = values.layers === undefined ? preset.layers : parseLayers(values.layers);
  const activation = choiceFlag('activation', values.activation, activationNames, preset.activation);
  const output = choiceFlag('output', values.output, activationNames, preset.output);
  const lossName = choiceFlag('loss', values.loss, lossNames, preset.loss);
  if (lossName === 'cross-entropy' && output !== 'softmax' && output !== 'sigmoid') {
    throw new UsageError(`--loss cross-entropy needs --output softmax or sigmoid (the output is ${output})`);
  }
  const optimizerName = choiceFlag('optimizer', values.optimizer, optimizerNames, preset.optimizer);
  const learningRate = numberFlag('lr', values.lr, preset.learningRate, { min: 0, above: true });
  const lrDecay = numberFlag('lr-decay', values['lr-decay'], preset.decay ?? 1, { min: 0, max: 1, above: true });
  const momentum = numberFlag('momentum', values.momentum, 0.9, { min: 0, max: 0.999 });
  const weightDecay = numberFlag('weight-decay', values['weight-decay'], preset.weightDecay ?? 0, { min: 0 });
  const dropout = numberFlag('dropout', values.dropout, preset.dropout ?? 0, { min: 0, max: 0.95 });
  const initializer = values.init === undefined ? preset.initializer
    : choiceFlag('init', values.init, initializerNames, 'glorot');
  const batchSize = numberFlag('batch', values.batch, preset.batchSize, { min: 1, integer: true });
  const epochs = numberFlag('epochs', values.epochs, preset.epochs, { min: 1, integer: true });
  const seed = numberFlag('seed', values.seed, 1, { min: 0, max: 2 ** 32 - 1, integer: true });
  const limit = numberFlag('limit', values.limit, 60000, { min: 1, max: 60000, integer: true });
  const testLimit = numberFlag('test-limit', values['test-limit'], 10000, { min: 1, max: 10000, integer: true });
  const out = values.out ?? `models/${presetName}${modelFileExtension}`;
  const json = values.json ?? false;
  const backend = await chooseBackend(values.backend);

  const trainSet = loadMnist('train').slice(0, limit);
  const testSet = loadMnist('test').slice(0, testLimit);
  const random = new Random(seed);
  const network = Network.perceptron(layers, activation, output, { backend, random, initializer, dropout });
  const loss = createLoss(lossName);
  const optimizer = createOptimizer(backend, optimizerName, {
    learningRate, momentum, nesterov: values.nesterov ?? false, weightDecay,
  });
  const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  log(`Training ${network} on ${trainSet.length} digits · ${loss} · ${optimizerName} lr ${learningRate}` +
    ` · batch ${batchSize} · ${epochs} epochs · seed ${seed} · ${backend.name} backend`);

  // Ctrl-C stops training at the next batch and saves nothing: a half-trained model is not
  // what --out promised. The file on disk, if any, is left as it was.
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  const bar = new ProgressBar(process.stderr);
  const started = performance.now();
  let trainingSeconds = 0;
  try {
    await fit(network, trainSet, {
      loss, optimizer, epochs, batchSize, random, validation: testSet, signal: controller.signal,
      onBatch: json ? undefined : (e) => {
        const left = (trainSet.length - e.examples) / e.examplesPerSecond;
        bar.update(`epoch ${e.epoch}/${epochs}`, e.examples / trainSet.length,
          `${Math.round(e.examplesPerSecond).toLocaleString('en-US')} ex/s  ETA ${formatSeconds(left)}  loss ${e.loss.toFixed(4)}`);
      },
      onEpoch: (e) => {
        bar.clear();
        trainingSeconds += e.seconds;
        report(e, json, log);
        optimizer.learningRate *= lrDecay;
      },
    });
  } catch (error) {
    bar.clear();
    if ((error as Error).name === 'AbortError') {
      process.stderr.write(`glassbox train: interrupted; nothing was saved (${out} is unchanged)\n`);
      process.exitCode = 130;
      return;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  const test = evaluate(network, testSet);
  const info: ModelInfo = {
    createdAt: new Date().toISOString(),
    preset: values.layers === undefined ? presetName : undefined,
    seed,
    loss: lossName,
    optimizer: { ...optimizer.settings(), learningRate, learningRateDecay: lrDecay },
    epochs,
    batchSize,
    initializer: initializer ?? 'default',
    dropout,
    data: `MNIST train (first ${trainSet.length})`,
    testAccuracy: test.accuracy,
    testSize: testSet.length,
    backend: backend.name,
    trainingSeconds,
    wallSeconds: (performance.now() - started) / 1000,
  };
  writeFileAtomic(out, encodeModel(network, info));
  log(`Saved ${out}: test accuracy ${(test.accuracy * 100).toFixed(2)}% on ${testSet.length} digits` +
    ` after ${formatSeconds(trainingSeconds)} of training`);
}

function report(e: EpochEvent, json: boolean, log: (line: string) => void): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({
      epoch: e.epoch, loss: e.loss, trainAccuracy: e.trainAccuracy, testAccuracy: e.validationAccuracy,
      testLoss: e.validationLoss, seconds: e.seconds, examplesPerSecond: e.examplesPerSecond,
    })}\n`);
    return;
  }
  const width = String(e.epochs).length;
  log(`epoch ${String(e.epoch).padStart(width)}/${e.epochs}  loss ${e.loss.toFixed(4)}  ` +
    `train ${(e.trainAccuracy * 100).toFixed(2)}%  test ${(e.validationAccuracy! * 100).toFixed(2)}%  ` +
    `${formatSeconds(e.seconds)}`);
}

/** "784,16,16,10" → sizes, checked: whole numbers, 784 in, 10 out. */
export function parseLayers(text: string): number[] {
  const sizes = text.split(',').map((part) => Number(part.trim()));
  if (sizes.length < 2 || sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 65536)) {
    throw new UsageError(`--layers must be comma-separated whole numbers from 1 to 65536, such as 784,16,16,10; got "${text}"`);
  }
  if (sizes[0] !== 784) throw new UsageError(`--layers must start with 784 (28×28 pixels), got ${sizes[0]}`);
  if (sizes[sizes.length - 1] !== 10) {
    throw new UsageError(`--layers must end with 10 (one output per digit), got ${sizes[sizes.length - 1]}`);
  }
  return sizes;
}
