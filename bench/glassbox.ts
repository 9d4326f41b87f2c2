/**
 * Child process: trains one workload with Glassbox and, for W1, times W3 inference on the
 * network it trained. Run by run.ts with --spec JSON.
 */
import { evaluate, fit, Tensor } from '../src/index.js';
import { loadMnistFiles } from '../cli/mnist-files.js';
import { emit, measureEpochs, median, readSpec, runChild, startOrSkip, timeInference, watchCpu } from './measure.js';
import { setUpGlassbox } from './glassbox-setup.js';
import { inferenceBatch } from './workloads.js';

runChild(async () => {
  const spec = readSpec(process.argv);
  const setup = await startOrSkip(() => setUpGlassbox(spec, spec.workload));
  if (setup === undefined) return;
  const { backend, network, loss, optimizer, label } = setup;
  // Read into the backend's memory, as the CLI does, so that it gathers each batch in one call.
  const train = loadMnistFiles(spec.mnist.trainImages, spec.mnist.trainLabels, backend);
  const test = loadMnistFiles(spec.mnist.testImages, spec.mnist.testLabels, backend);

  const cpuUse = watchCpu();
  const { epochSeconds, settlingEpochSeconds, examplesPerEpoch } = await measureEpochs(spec, train.length, async (examples) => {
    const result = await fit(network, train.slice(0, examples), {
      loss, optimizer, epochs: 1, batchSize: spec.workload.batchSize,
    });
    return result.epochs[0].seconds;
  });
  const testAccuracy = evaluate(network, test).accuracy;

  let inference;
  if (spec.inference) {
    // The test digits are converted to floats once, outside the timing, in the backend's memory.
    const order = Int32Array.from({ length: inferenceBatch }, (_, i) => i);
    const x = new Tensor([inferenceBatch, test.inputSize], backend.alloc(inferenceBatch * test.inputSize));
    const target = new Tensor([inferenceBatch, test.classes], backend.alloc(inferenceBatch * test.classes));
    test.fillBatch(order, 0, x, target, new Int32Array(inferenceBatch));
    const digit = new Tensor([1, test.inputSize], backend.alloc(test.inputSize));
    digit.data.set(x.data.subarray(0, test.inputSize));
    inference = timeInference(() => network.forward(x, false), () => network.forward(digit, false), spec);
  }

  emit({
    system: 'glassbox', backend: spec.backend, threads: spec.threads, workload: spec.workload.id, label,
    secondsPerEpoch: median(epochSeconds), epochSeconds, settlingEpochSeconds, examplesPerEpoch, trainExamples: train.length,
    ...cpuUse(), testAccuracy, inference,
    details: { node: process.version, network: String(network) },
  });
});
