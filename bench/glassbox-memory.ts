/**
 * Child process: Glassbox's memory while training W1 on all of MNIST. Run by run.ts as
 * `node --expose-gc --import tsx bench/glassbox-memory.ts --spec JSON`.
 *
 * After every epoch it records the JavaScript heap twice: before a forced garbage collection
 * (which, when no collection ran during the epoch, is everything the epoch allocated on top of
 * the last one's leftovers) and after it (what training keeps). It also counts the collections
 * V8 ran by itself during each epoch: steady-state training that allocates nothing per step
 * leaves nothing for them to do. The peak resident set size covers the whole process.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fit } from '../src/index.js';
import { loadMnistFiles } from '../cli/mnist-files.js';
import { emit, readSpec, runChild, startOrSkip } from './measure.js';
import { setUpGlassbox } from './glassbox-setup.js';

export interface MemoryEpoch {
  epoch: number;
  seconds: number;
  /** Heap bytes just before the forced collection at the end of the epoch. */
  heapBeforeCollection: number;
  /** Heap bytes just after it: what training keeps between epochs. */
  heapAfterCollection: number;
  /** Collections V8 started by itself during the epoch (scavenges and full ones). */
  collections: number;
  /** Bytes of the backend's own memory in use (the wasm heap, outside the JavaScript heap). */
  backendBytes: number | undefined;
  rss: number;
}

export interface MemoryResult {
  system: 'glassbox';
  kind: 'memory';
  label: string;
  workload: string;
  epochs: MemoryEpoch[];
  /** process.resourceUsage().maxRSS, in bytes: the peak over the whole run, loading included. */
  peakRss: number;
  /** Batches per epoch, to turn an epoch's allocation into bytes per step. */
  batchesPerEpoch: number;
}

runChild(async () => {
  const spec = readSpec(process.argv);
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  const setup = await startOrSkip(() => setUpGlassbox(spec, spec.workload));
  if (setup === undefined) return;
  const { backend, network, loss, optimizer, label } = setup;
  const train = loadMnistFiles(spec.mnist.trainImages, spec.mnist.trainLabels);

  // V8's own collections, by start time; forced ones (ours, between epochs) are left out.
  // Entries arrive asynchronously, so they are sorted into epochs by time at the end.
  const collectionTimes: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const flags = (entry as { detail?: { flags?: number } }).detail?.flags ?? 0;
      if ((flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) === 0) collectionTimes.push(entry.startTime);
    }
  });
  observer.observe({ entryTypes: ['gc'] });

  const epochs: MemoryEpoch[] = [];
  const epochEnds: number[] = [];
  collect();
  await fit(network, train, {
    loss, optimizer, epochs: spec.epochs, batchSize: spec.workload.batchSize,
    onEpoch: (event) => {
      epochEnds.push(performance.now());
      const heapBeforeCollection = process.memoryUsage().heapUsed;
      collect();
      const usage = process.memoryUsage();
      const backendBytes = (backend as { usedBytes?: () => number }).usedBytes?.();
      epochs.push({
        epoch: event.epoch, seconds: event.seconds, heapBeforeCollection,
        heapAfterCollection: usage.heapUsed, collections: 0, backendBytes, rss: usage.rss,
      });
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  for (const time of collectionTimes) {
    const epoch = epochEnds.findIndex((end) => time < end);
    if (epoch >= 0) epochs[epoch].collections++;
  }
  const result: MemoryResult = {
    system: 'glassbox', kind: 'memory', label, workload: spec.workload.id, epochs,
    peakRss: process.resourceUsage().maxRSS * 1024,
    batchesPerEpoch: Math.ceil(train.length / spec.workload.batchSize),
  };
  emit(result);
});
