/**
 * How far apart the machine's cores are right now: the time a cache line takes to go from this
 * thread to a worker thread and back, each spinning on one word of shared memory.
 *
 * On the build machine (2 vCPUs of a virtual machine) it is a median 125 ns most of the time, and
 * 340-375 ns for minutes at a stretch, presumably while the host runs the two vCPUs on cores that
 * share no cache. Training on two threads hands data between the threads many times a step, so it
 * follows that figure: in 217 runs of W1 on 2 threads, each between two such timings, the third
 * epoch took a median 0.227 s when both were under 200 ns, 0.45 s when both were over 250, where
 * one thread takes 0.34 s. The benchmark times it around each measurement on more than one
 * thread, and the report marks the cells where the cores were far apart.
 */
import { Worker } from 'node:worker_threads';

/** Round trips slower than this mean the two threads' cores were far apart. */
export const FAR_CORES_NANOSECONDS = 250;

// The worker answers each odd number in word 0 with the next even one; a negative number stops it.
const workerSource = `
const { workerData } = require('node:worker_threads');
const word = new Int32Array(workerData);
Atomics.store(word, 1, 1);
for (let expected = 1; ; expected += 2) {
  let seen;
  while ((seen = Atomics.load(word, 0)) !== expected && seen >= 0) {}
  if (seen < 0) break;
  Atomics.store(word, 0, expected + 1);
}
`;

/** Median nanoseconds of `blocks` blocks of `roundTrips` round trips each, to a worker and back. */
export async function coreRoundTripNanoseconds(roundTrips = 20_000, blocks = 5): Promise<number> {
  // Word 0 carries the ball; word 1 says the worker is spinning. A cache line of its own.
  const shared = new SharedArrayBuffer(128);
  const word = new Int32Array(shared);
  const worker = new Worker(workerSource, { eval: true, workerData: shared });
  try {
    const failed = new Promise<never>((_, reject) => worker.once('error', reject));
    const started = new Promise<void>((resolve) => {
      const check = () => (Atomics.load(word, 1) === 1 ? resolve() : setTimeout(check, 1));
      check();
    });
    await Promise.race([started, failed]);
    const times: number[] = [];
    let ball = 1;
    for (let block = 0; block < blocks; block++) {
      const begun = process.hrtime.bigint();
      for (let i = 0; i < roundTrips; i++, ball += 2) {
        Atomics.store(word, 0, ball);
        for (let turns = 1; Atomics.load(word, 0) !== ball + 1; turns++) {
          if ((turns & 0xfffff) === 0 && Number(process.hrtime.bigint() - begun) > 10e9) {
            throw new Error('core-distance: the worker stopped answering');
          }
        }
      }
      times.push(Number(process.hrtime.bigint() - begun) / roundTrips);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    Atomics.store(word, 0, -1);
    await worker.terminate();
  }
}
