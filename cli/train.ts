import {
  activationNames, createLoss, createOptimizer, DivergedError, encodeModel, evaluate, fit, GlassboxError,
  initializerNames, lossNames, modelFileExtension, Network, optimizerNames, Random,
  type EpochEvent, type Initializer, type ModelInfo, type TrainingState,
} from '../src/index.js';
import { choiceFlag, numberFlag, parseCommandLine } from './args.js';
import { readModel, writeFileAtomic } from './files.js';
import { loadMnist } from './mnist-files.js';
import { presets, type Preset } from './presets.js';
import { formatSeconds, ProgressBar } from './progress-bar.js';
import { UsageError } from './usage-error.js';
import { chooseBackend, backendFlag, backendOptions, describeBackend } from './backend-flag.js';

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
  --deskew             straighten each digit before the first layer, as in LeCun's MNIST table
                       (part of the saved model, so eval, predict and the web app do it too);
                       --no-deskew turns off a preset's
  --batch N            mini-batch size
  --epochs N           passes over the training set
  --seed N             seed for initial weights, shuffling and dropout (default 1)
  --limit N            train on the first N training digits only
  --test-limit N       test on the first N test digits only
  --out FILE           where to save (default models/PRESET${modelFileExtension}); written atomically
  ${backendFlag.help}
  --checkpoint FILE    after every epoch, save weights, optimizer and generator state to FILE
  --resume FILE        continue the run saved in checkpoint FILE; the result is bit-identical
                       to a run that was never interrupted
  --json               no progress bar; one JSON object per epoch on stdout
  -h, --help           this help

Examples:
  glassbox train --preset 3b1b
  glassbox train --layers 784,100,10 --activation relu --output softmax --loss cross-entropy --epochs 5
  glassbox train --preset default --seed 7 --out models/seed7.gbx --json
  glassbox train --preset best --checkpoint best.ckpt.gbx
  glassbox train --resume best.ckpt.gbx`;

/**
 * Everything that defines a training run, and so what a checkpoint must carry to resume it: a
 * preset's recipe with every choice made, and the run's own seed, data and output.
 */
type TrainSettings = Required<Omit<Preset, 'description' | 'initializer'>> & {
  initializer: Initializer | undefined;
  preset: string | undefined;
  momentum: number;
  nesterov: boolean;
  seed: number;
  limit: number;
  testLimit: number;
  out: string;
};

const runFlags = [
  'preset', 'layers', 'activation', 'output', 'loss', 'optimizer', 'lr', 'lr-decay', 'momentum',
  'nesterov', 'weight-decay', 'dropout', 'init', 'deskew', 'no-deskew', 'batch', 'epochs', 'seed', 'limit', 'test-limit',
] as const;

export async function train(args: string[]): Promise<void> {
  const { values } = parseCommandLine('train', args, {
    preset: { type: 'string' }, layers: { type: 'string' }, activation: { type: 'string' },
    output: { type: 'string' }, loss: { type: 'string' }, optimizer: { type: 'string' },
    lr: { type: 'string' }, 'lr-decay': { type: 'string' }, momentum: { type: 'string' },
    nesterov: { type: 'boolean' }, 'weight-decay': { type: 'string' }, dropout: { type: 'string' },
    init: { type: 'string' }, deskew: { type: 'boolean' }, 'no-deskew': { type: 'boolean' }, batch: { type: 'string' }, epochs: { type: 'string' },
    seed: { type: 'string' }, limit: { type: 'string' }, 'test-limit': { type: 'string' },
    out: { type: 'string' }, ...backendOptions, json: { type: 'boolean' },
    checkpoint: { type: 'string' }, resume: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(trainHelp);
    return;
  }
  const json = values.json ?? false;
  const backend = await chooseBackend(values);
  const random = new Random(1);
  let settings: TrainSettings;
  let network: Network;
  let resumed: TrainingState | undefined;
  if (values.resume !== undefined) {
    const given = runFlags.filter((flag) => values[flag] !== undefined);
    if (given.length > 0) {
      throw new UsageError(`--resume continues the saved run as it was set up; drop --${given.join(', --')}`);
    }
    const checkpoint = readModel(values.resume, backend, random);
    if (checkpoint.training === undefined) {
      throw new GlassboxError(values.resume, '', 'is a model, not a checkpoint (save one with train --checkpoint FILE)');
    }
    resumed = checkpoint.training;
    settings = { ...(resumed.settings as unknown as TrainSettings), ...(values.out ? { out: values.out } : {}) };
    network = checkpoint.network;
    random.setState(resumed.random);
  } else {
    settings = settingsFromFlags(values);
    random.reseed(settings.seed);
    network = Network.perceptron(settings.layers, settings.activation, settings.output, {
      backend, random, initializer: settings.initializer, dropout: settings.dropout,
      deskew: settings.deskew ? { width: 28, height: 28 } : undefined,
    });
  }
  const { epochs, batchSize, out } = settings;
  const loss = createLoss(settings.loss);
  const optimizer = createOptimizer(backend, settings.optimizer, {
    learningRate: settings.learningRate, momentum: settings.momentum, nesterov: settings.nesterov,
    weightDecay: settings.weightDecay,
  });
  if (resumed) {
    optimizer.setState({ step: resumed.optimizer.step, slots: resumed.optimizer.slots });
    optimizer.learningRate = resumed.optimizer.learningRate;
  }
  const trainSet = loadMnist('train', backend).slice(0, settings.limit);
  const testSet = loadMnist('test', backend).slice(0, settings.testLimit);
  const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  log(`${resumed ? `Resuming ${values.resume} after epoch ${resumed.epoch}: ` : 'Training '}${network} on ` +
    `${trainSet.length} digits · ${loss} · ${settings.optimizer} lr ${settings.learningRate} · batch ${batchSize}` +
    ` · ${epochs} epochs · seed ${settings.seed} · ${describeBackend(backend)}`);

  // Ctrl-C stops training at the next batch and saves nothing: a half-trained model is not
  // what --out promised. The file on disk, if any, is left as it was, and so is the last
  // checkpoint, from which --resume continues.
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  const bar = new ProgressBar(process.stderr);
  const started = performance.now();
  let trainingSeconds = 0;
  let lastCheckpoint: string | undefined;
  try {
    await fit(network, trainSet, {
      loss, optimizer, epochs, batchSize, random, validation: testSet, signal: controller.signal,
      firstEpoch: resumed ? resumed.epoch + 1 : 1,
      onBatch: json ? undefined : (e) => {
        const left = (trainSet.length - e.examples) / e.examplesPerSecond;
        bar.update(`epoch ${e.epoch}/${epochs}`, e.examples / trainSet.length,
          `${Math.round(e.examplesPerSecond).toLocaleString('en-US')} ex/s  ETA ${formatSeconds(left)}  loss ${e.loss.toFixed(4)}`);
      },
      onEpoch: (e) => {
        bar.clear();
        trainingSeconds += e.seconds;
        optimizer.learningRate *= settings.lrDecay;
        if (values.checkpoint !== undefined) {
          const state = optimizer.state();
          writeFileAtomic(values.checkpoint, encodeModel(network, { data: `MNIST train (first ${trainSet.length})` }, {
            epoch: e.epoch, random: random.getState(), settings: settings as unknown as Record<string, unknown>,
            optimizer: { name: optimizer.name, learningRate: optimizer.learningRate, step: state.step, slots: state.slots },
          }));
          lastCheckpoint = `${values.checkpoint} (epoch ${e.epoch})`;
        }
        report(e, json, log);
      },
    });
  } catch (error) {
    bar.clear();
    const kept = lastCheckpoint ? `; the last good checkpoint is ${lastCheckpoint}` : '';
    if ((error as Error).name === 'AbortError') {
      process.stderr.write(`glassbox train: interrupted; nothing was saved (${out} is unchanged)${kept}\n`);
      process.exitCode = 130;
      return;
    }
    if (error instanceof DivergedError) {
      throw new GlassboxError('', '', `${error.message}; nothing was saved${kept}`);
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  const test = evaluate(network, testSet);
  const info: ModelInfo = {
    createdAt: new Date().toISOString(),
    preset: settings.preset,
    seed: settings.seed,
    loss: settings.loss,
    optimizer: { ...optimizer.settings(), learningRate: settings.learningRate, learningRateDecay: settings.lrDecay },
    epochs,
    batchSize,
    initializer: settings.initializer ?? 'default',
    dropout: settings.dropout,
    deskew: settings.deskew,
    data: `MNIST train (first ${trainSet.length})`,
    testAccuracy: test.accuracy,
    testSize: testSet.length,
    backend: backend.name,
    trainingSeconds,
    wallSeconds: (performance.now() - started) / 1000,
    resumedFrom: resumed ? `epoch ${resumed.epoch}` : undefined,
  };
  writeFileAtomic(out, encodeModel(network, info));
  log(`Saved ${out}: test accuracy ${(test.accuracy * 100).toFixed(2)}% on ${testSet.length} digits` +
    ` after ${formatSeconds(trainingSeconds)} of training`);
}

type FlagValues = Partial<Record<(typeof runFlags)[number] | 'out', string | boolean>>;

function settingsFromFlags(values: FlagValues): TrainSettings {
  const text = (flag: keyof FlagValues) => values[flag] as string | undefined;
  const presetName = text('preset') ?? 'default';
  const preset = presets[presetName];
  if (preset === undefined) {
    throw new UsageError(`--preset must be one of ${Object.keys(presets).join(', ')}; got "${presetName}"`);
  }
  const output = choiceFlag('output', text('output'), activationNames, preset.output);
  const loss = choiceFlag('loss', text('loss'), lossNames, preset.loss);
  if (loss === 'cross-entropy' && output !== 'softmax' && output !== 'sigmoid') {
    throw new UsageError(`--loss cross-entropy needs --output softmax or sigmoid (the output is ${output})`);
  }
  return {
    preset: text('layers') === undefined ? presetName : undefined,
    layers: text('layers') === undefined ? preset.layers : parseLayers(text('layers')!),
    activation: choiceFlag('activation', text('activation'), activationNames, preset.activation),
    output,
    loss,
    optimizer: choiceFlag('optimizer', text('optimizer'), optimizerNames, preset.optimizer),
    learningRate: numberFlag('lr', text('lr'), preset.learningRate, { min: 0, above: true }),
    lrDecay: numberFlag('lr-decay', text('lr-decay'), preset.lrDecay ?? 1, { min: 0, max: 1, above: true }),
    momentum: numberFlag('momentum', text('momentum'), 0.9, { min: 0, max: 0.999 }),
    nesterov: (values.nesterov as boolean | undefined) ?? false,
    weightDecay: numberFlag('weight-decay', text('weight-decay'), preset.weightDecay ?? 0, { min: 0 }),
    dropout: numberFlag('dropout', text('dropout'), preset.dropout ?? 0, { min: 0, max: 0.95 }),
    deskew: values['no-deskew'] ? false : (values.deskew as boolean | undefined) ?? preset.deskew ?? false,
    initializer: text('init') === undefined ? preset.initializer : choiceFlag('init', text('init'), initializerNames, 'glorot'),
    batchSize: numberFlag('batch', text('batch'), preset.batchSize, { min: 1, integer: true }),
    epochs: numberFlag('epochs', text('epochs'), preset.epochs, { min: 1, integer: true }),
    seed: numberFlag('seed', text('seed'), 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
    limit: numberFlag('limit', text('limit'), 60000, { min: 1, max: 60000, integer: true }),
    testLimit: numberFlag('test-limit', text('test-limit'), 10000, { min: 1, max: 10000, integer: true }),
    out: text('out') ?? `models/${presetName}${modelFileExtension}`,
  };
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
