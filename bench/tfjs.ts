/**
 * Child process: trains one workload with TensorFlow.js (@tensorflow/tfjs, the cpu or the wasm
 * backend) and, for W1, times W3 inference. Run by run.ts with --spec JSON.
 *
 * Training is tfjs's usual custom loop: per batch, gather the rows, then optimizer.minimize on
 * the loss inside tf.tidy, and read the loss (which waits for the batch to finish).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadMnistFiles } from '../cli/mnist-files.js';
import type { ImageDataset } from '../src/index.js';
import {
  emit, measureEpochs, median, readSpec, runChild, seconds, startOrSkip, timeInference, watchCpu,
} from './measure.js';
import type { TrainingWorkload } from './workloads.js';

const require = createRequire(import.meta.url);

runChild(async () => {
  const spec = readSpec(process.argv);
  const label = await startOrSkip(() => useBackend(spec.backend, spec.threads));
  if (label === undefined) return;
  const workload = spec.workload;
  const train = loadMnistFiles(spec.mnist.trainImages, spec.mnist.trainLabels);
  const test = loadMnistFiles(spec.mnist.testImages, spec.mnist.testLabels);
  const x = floats(train);
  const y = tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10).toFloat();
  const model = buildModel(workload);
  const optimizer = workload.momentum > 0
    ? tf.train.momentum(workload.learningRate, workload.momentum)
    : tf.train.sgd(workload.learningRate);

  const trainEpoch = async (examples: number): Promise<number> => {
    const order = Int32Array.from({ length: examples }, (_, i) => i);
    tf.util.shuffle(order);
    const started = seconds();
    for (let start = 0; start < examples; start += workload.batchSize) {
      const rows = Math.min(workload.batchSize, examples - start);
      const cost = tf.tidy(() => {
        const indices = tf.tensor1d(order.subarray(start, start + rows), 'int32');
        const xBatch = tf.gather(x, indices);
        const yBatch = tf.gather(y, indices);
        return optimizer.minimize(
          () => lossOf(workload, model.apply(xBatch, { training: true }) as tf.Tensor2D, yBatch), true,
        )!;
      });
      cost.dataSync();
      cost.dispose();
    }
    return seconds() - started;
  };
  const cpuUse = watchCpu();
  const { epochSeconds, settlingEpochSeconds, examplesPerEpoch } = await measureEpochs(spec, train.length, trainEpoch);

  const xTest = floats(test);
  const probabilities = (input: tf.Tensor2D): tf.Tensor => tf.tidy(() => {
    // predict's default batch size is 32; W3 asks for the whole set in one call.
    const output = model.predict(input, { batchSize: input.shape[0] }) as tf.Tensor2D;
    return workload.output === 'softmax' ? tf.softmax(output) : output;
  });
  const guesses = tf.tidy(() => probabilities(xTest).argMax(1)).dataSync();
  let correct = 0;
  for (let i = 0; i < test.length; i++) if (guesses[i] === test.labels[i]) correct++;

  let inference;
  if (spec.inference) {
    const digit = xTest.slice([0, 0], [1, test.inputSize]);
    // dataSync waits for the result and brings it into JavaScript, as a caller needs it.
    const run = (input: tf.Tensor2D) => () => {
      const result = probabilities(input);
      result.dataSync();
      result.dispose();
    };
    inference = timeInference(run(xTest), run(digit), spec);
  }

  emit({
    system: 'tfjs', backend: spec.backend, threads: spec.threads, workload: workload.id, label,
    secondsPerEpoch: median(epochSeconds), epochSeconds, settlingEpochSeconds, examplesPerEpoch, trainExamples: train.length,
    ...cpuUse(), testAccuracy: correct / test.length, inference,
    details: {
      node: process.version, tfjs: packageVersion('@tensorflow/tfjs'),
      loop: 'optimizer.minimize per batch in tf.tidy, loss read each batch',
    },
  });
});

/** Makes `name` tfjs's backend, checks that it really is the one running, and describes it. */
async function useBackend(name: string, threads: number): Promise<string> {
  if (threads !== 1) throw new Error('tfjs in Node runs its backends on one thread');
  if (name === 'wasm') {
    // In Node the wasm files are read from disk: the package's dist folder, as a file path.
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  } else if (name !== 'cpu') {
    throw new Error(`unknown tfjs backend "${name}"`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not start its ${name} backend`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`tfjs runs ${tf.getBackend()}, not ${name}`);
  if (name === 'cpu') return `tfjs-backend-cpu ${packageVersion('@tensorflow/tfjs')} (plain JavaScript)`;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  // tfjs turns wasm threads off in Node (its flag returns false whenever IS_NODE).
  const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `tfjs-backend-wasm ${packageVersion('@tensorflow/tfjs-backend-wasm')}, ` +
    `SIMD ${simd ? 'on' : 'off'}, threads ${multithread ? 'on' : 'off (tfjs disables them in Node)'}`;
}

function buildModel(workload: TrainingWorkload): tf.Sequential {
  const model = tf.sequential();
  const { layers } = workload;
  for (let i = 1; i < layers.length; i++) {
    const last = i === layers.length - 1;
    // The softmax output is left to the loss (softmaxCrossEntropy takes logits), as in Glassbox.
    const activation = last ? (workload.output === 'softmax' ? 'linear' : 'sigmoid') : workload.activation;
    model.add(tf.layers.dense({
      units: layers[i],
      inputShape: i === 1 ? [layers[0]] : undefined,
      activation,
      kernelInitializer: activation === 'relu' ? 'heNormal' : 'glorotUniform',
    }));
  }
  return model;
}

function lossOf(workload: TrainingWorkload, output: tf.Tensor2D, target: tf.Tensor): tf.Scalar {
  if (workload.loss === 'cross-entropy') return tf.losses.softmaxCrossEntropy(target, output) as tf.Scalar;
  // The quadratic cost: ½·Σ(a − y)² over the outputs, averaged over the batch.
  return tf.sum(tf.squaredDifference(output, target)).mul(0.5 / output.shape[0]) as tf.Scalar;
}

/** All of a dataset's images as one [length, inputSize] float tensor scaled to [0, 1]. */
function floats(data: ImageDataset): tf.Tensor2D {
  const values = new Float32Array(data.pixels.length);
  for (let i = 0; i < values.length; i++) values[i] = data.pixels[i] / 255;
  return tf.tensor2d(values, [data.length, data.inputSize]);
}

function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}
