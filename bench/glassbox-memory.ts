/**
 * Child process: Glassbox's memory while training W1 on all of MNIST. run.ts bundles it into one
 * JavaScript file and runs `node --expose-gc BUNDLE --spec JSON`, without tsx (see bundleMemoryChild).
 *
 * After every epoch it records the JavaScript heap twice: before a forced garbage collection
 * (which, when no collection ran during the epoch, is everything the epoch allocated on top of
 * the last one's leftovers) and after it (what training keeps). It also counts the collections
 * V8 ran by itself during each epoch: steady-state training that allocates nothing per step
 * leaves nothing for them to do. The peak resident set size covers the whole process.
 *
 * The collections are counted by V8's GCProfiler, which records them in C++: a
 * PerformanceObserver of 'gc' entries, as this file used before, made training allocate about
 * 9 bytes more a step (W1, Node 20), although no collection ran.
 *
 * The heap includes V8's code space, the machine code its optimizing compiler makes. That is
 * warm-up, not allocation by the training step, and it goes on for epochs: small functions
 * reach the compiler late (one or two an epoch, still at epoch 9 of W1), and an epoch with a
 * compilation shows about 130 kB more code space before the collection, none of which outlives
 * it. So the code space is recorded apart, for report.ts to leave out of the bytes allocated
 * per step.
 *
 * The heap's growth between collections still swings by about 200 bytes a step from one warm
 * epoch to the next (or is negative), from what V8 keeps across a collection rather than from
 * what the step allocates. So the warm epochs are also watched by V8's sampling heap profiler,
 * which records allocations themselves, one every SAMPLE_BYTES on average, those of objects
 * collected later included; what this file's own measuring allocates (its epoch-end function
 * and the inspector protocol) is left out (see heap-sampler.ts). Over epochs 6-10 of W1, in seven
 * runs, it counted 5.9-7.6 bytes a step. With it watching, the heap's growth in those epochs also
 * stayed at 6-10 bytes a step, where the benchmark's runs without it had seen 8-199.
 */
import { GCProfiler, getHeapSpaceStatistics } from 'node:v8';
import { fit, type EpochEvent } from '../src/index.js';
import { loadMnistFiles } from '../cli/mnist-files.js';
import { emit, readSpec, runChild, startOrSkip } from './measure.js';
import { setUpGlassbox } from './glassbox-setup.js';
import { HeapSampler } from './heap-sampler.js';
import { FIRST_WARM_EPOCH } from './report.js';

export interface MemoryEpoch {
  epoch: number;
  seconds: number;
  /** Heap bytes just before the forced collection at the end of the epoch. */
  heapBeforeCollection: number;
  /** Heap bytes just after it: what training keeps between epochs. */
  heapAfterCollection: number;
  /**
   * Of those, the bytes in V8's code space (compiled code), before and after the collection.
   * Absent from records made before they were measured.
   */
  codeBeforeCollection?: number;
  codeAfterCollection?: number;
  /** Collections V8 started by itself during the epoch (scavenges and full ones). */
  collections: number;
  /** Bytes of the backend's own memory in use (the wasm heap, outside the JavaScript heap). */
  backendBytes: number | undefined;
  rss: number;
}

/** Allocation over the warm epochs, from V8's sampling heap profiler (see the file's comment). */
export interface SampledAllocation {
  /** The epochs watched: from the end of epoch firstEpoch − 1 to the end of lastEpoch. */
  firstEpoch: number;
  lastEpoch: number;
  /** Estimated bytes the training allocated meanwhile, objects collected since included. */
  bytes: number;
  /** Estimated bytes this file's own measuring allocated meanwhile, left out of `bytes`. */
  measuringBytes: number;
  /** The profiler's mean interval between samples, in bytes. */
  sampleBytes: number;
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
  /** Absent from records made before it was measured. */
  sampledAllocation?: SampledAllocation;
}

/** The sampling heap profiler's mean interval between samples, in bytes. */
const SAMPLE_BYTES = 128;

runChild(async () => {
  const spec = readSpec(process.argv);
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  const setup = await startOrSkip(() => setUpGlassbox(spec, spec.workload));
  if (setup === undefined) return;
  const { backend, network, loss, optimizer, label } = setup;
  // Into the backend's memory, as the CLI and the speed benchmark read it (see glassbox.ts).
  const train = loadMnistFiles(spec.mnist.trainImages, spec.mnist.trainLabels, backend);

  const epochs: MemoryEpoch[] = [];
  // measureEpochEnd (below, hoisted) by its own name, which a rename or the bundler carries along.
  const sampler = new HeapSampler(SAMPLE_BYTES, measureEpochEnd.name);
  let sampledAllocation: SampledAllocation | undefined;
  // Started after each forced collection and stopped before the next, so that it counts only
  // the collections V8 ran by itself during the epoch.
  const profiler = new GCProfiler();
  // Named, so that the heap sampler can tell what it allocates from what training does.
  function measureEpochEnd(event: EpochEvent): void {
    const heapBeforeCollection = process.memoryUsage().heapUsed;
    // What is read from here on allocates ordinary objects only, which leaves the code space
    // as it was; after the collection the heap is read last, so that its baseline for the
    // next epoch includes what the reading allocated.
    const codeBeforeCollection = codeSpaceBytes();
    const collections = profiler.stop().statistics.length;
    // Started before the collection, so that what the start leaves behind is in the next
    // epoch's baseline; stopped after the last figures are read, so that the profile it hands
    // back (hundreds of kilobytes) is in none of them.
    if (event.epoch === FIRST_WARM_EPOCH - 1) sampler.start();
    collect!();
    const codeAfterCollection = codeSpaceBytes();
    const backendBytes = (backend as { usedBytes?: () => number }).usedBytes?.();
    const usage = process.memoryUsage();
    epochs.push({
      epoch: event.epoch, seconds: event.seconds, heapBeforeCollection,
      heapAfterCollection: usage.heapUsed, codeBeforeCollection, codeAfterCollection, collections,
      backendBytes, rss: usage.rss,
    });
    if (event.epoch === spec.epochs && sampler.running) {
      sampledAllocation = { firstEpoch: FIRST_WARM_EPOCH, lastEpoch: event.epoch, sampleBytes: SAMPLE_BYTES, ...sampler.stop() };
    }
    profiler.start();
  }
  collect();
  profiler.start();
  await fit(network, train, {
    loss, optimizer, epochs: spec.epochs, batchSize: spec.workload.batchSize, onEpoch: measureEpochEnd,
  });
  profiler.stop();
  const result: MemoryResult = {
    system: 'glassbox', kind: 'memory', label, workload: spec.workload.id, epochs,
    peakRss: process.resourceUsage().maxRSS * 1024,
    batchesPerEpoch: Math.ceil(train.length / spec.workload.batchSize),
    sampledAllocation,
  };
  emit(result);
});

/** Bytes in use in V8's code spaces (code_space and code_large_object_space). */
function codeSpaceBytes(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) if (space.space_name.startsWith('code_')) bytes += space.space_used_size;
  return bytes;
}
