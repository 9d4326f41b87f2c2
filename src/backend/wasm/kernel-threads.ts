import type { KernelExports } from './load-kernels.js';
import type { WasmHeap } from './wasm-heap.js';
import { nodeBuiltin } from './node-builtin.js';

/**
 * Worker threads that share large kernel calls with the main thread, on the same shared memory:
 * matrix products, deskewing and SGD steps. A call is cut into strips: of whole 8-column (or
 * 4-row) tiles for matmul, for the row-list kernel first of panels to pack, then of rows, of
 * images for deskew, of parameters for sgdStep. Every thread, the main one included, claims
 * strips one at a time until none is left, so a worker that the operating system has put aside
 * delays nothing: the others take its strips. Each result is the same whoever computes its strip
 * (see the kernels), so results do not depend on threads.
 *
 * The job lives in 16 int32 words and 4 float64s of the shared memory (see the indices below). A worker waits
 * for the generation word to change, spinning for a while after each job before it sleeps in
 * Atomics.wait, because waking a sleeping thread costs tens of microseconds, more than a small
 * product. Claims go through compareExchange on a word holding the generation and the next
 * strip, so that a late worker can never take a strip of a newer job by mistake. The main thread
 * waits for the last strips by spinning: a browser's main thread may not block in Atomics.wait.
 *
 * Workers come from the runtime: Web Workers from a Blob URL where `Worker` exists (browsers,
 * Deno), else Node's worker_threads, found through process.getBuiltinModule (Node ≥ 20.16), so
 * that the library imports nothing from node:*.
 */
export class KernelThreads {
  readonly count: number;
  private readonly workers: WorkerHandle[];
  private readonly job: Int32Array;
  /** The job's float64 arguments. */
  private readonly reals: Float64Array;
  private generation = 0;
  /**
   * For each call site and size (see decide), in STAT_SLOTS float64s: running figures of a
   * call's milliseconds shared and alone (see finish), how many of each were timed, calls since
   * the last one that went the way the figures did not choose and how many calls that waits, and
   * calls since the last timed one.
   */
  private readonly stats = new Float64Array(SITES * SIZES * STAT_SLOTS);
  /** The stats' offset of the call decide() was last asked about, whether it shares, its start. */
  private decided = -1;
  private sharing = false;
  /** Whether that call goes the way its figures did not choose (see decide), and is timed. */
  private exploring = false;
  private timed = false;
  /**
   * Jobs the decided call has shared so far, and strips of them the workers ran: a shared call
   * in which no worker took a strip was the main thread's alone (see finish).
   */
  private sharedJobs = 0;
  private workerStrips = 0;
  /** Whether a worker took a strip of the last shared call before the decided one. */
  private helpedBefore = false;
  /** Exploring calls in a row that no worker helped with (see finish). */
  private unhelpedExplores = 0;
  private readonly started = new Float64Array(1);
  /**
   * Whether the last probe (see probeCores) found the threads' cores far apart, when the time of
   * the last probe, and whether one is due: smaller calls then stay on the main thread.
   */
  private far = false;
  private readonly probed = new Float64Array([-Infinity]);
  private probeDue = true;
  private farCalls = 0;
  /**
   * Strips of the job posted ahead (see gatherPixelsAhead) that the main thread has not waited
   * for yet (0: none), and the kernels and scratch with which it helps finish them (see settle).
   */
  private pendingStrips = 0;
  private pendingKernels: KernelExports | undefined;
  private pendingScratch = 0;

  private constructor(count: number, workers: WorkerHandle[], job: Int32Array, reals: Float64Array) {
    this.count = count;
    this.workers = workers;
    this.job = job;
    this.reals = reals;
  }

  /** Starts `count − 1` workers (the main thread is the count-th) on `heap`'s shared memory. */
  static async start(
    count: number, module: WebAssembly.Module, heap: WasmHeap, scratchBytes: number, spinMilliseconds: number,
  ): Promise<KernelThreads> {
    const control = heap.reserve(JOB_BYTES);
    if (control < 0) throw new Error('wasm backend: no memory left for worker threads');
    const workers: WorkerHandle[] = [];
    try {
      for (let w = 0; w < count - 1; w++) {
        const scratch = heap.reserve(scratchBytes);
        if (scratch < 0) throw new Error('wasm backend: no memory left for worker threads');
        const worker = spawnWorker(workerSource);
        workers.push(worker);
        worker.post({ module, memory: heap.memory, control, scratch, spinMilliseconds });
      }
      await Promise.all(workers.map((worker) => worker.ready));
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    return new KernelThreads(
      count, workers, new Int32Array(heap.current, control, JOB_WORDS),
      new Float64Array(heap.current, control + REALS, JOB_REALS),
    );
  }

  /** out = op(a)·op(b) as matmul computes it, shared out in strips; `scratch` is the main thread's. */
  matmul(
    kernels: KernelExports, out: number, a: number, b: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, accumulate: boolean, scratch: number,
  ): void {
    // Columns when there are enough of them (strips then pack disjoint parts of b), else rows.
    const byColumns = n >= 16 * this.count || n >= m;
    this.setProduct(out, a, b, m, n, k, transposeA, transposeB, accumulate, 0);
    if (byColumns) this.share(kernels, scratch, PANELS_BY_COLUMNS, Math.ceil(n / 8), 8, n);
    else this.share(kernels, scratch, PANELS_BY_ROWS, Math.ceil(m / 4), 4, m);
  }

  /**
   * out = a·op(b) as the row-list kernel computes it (see matmul-rows.as): the threads first pack
   * op(b)'s panels into `packed` between them, then compute strips of rows.
   */
  matmulRows(
    kernels: KernelExports, out: number, a: number, b: number, m: number, n: number, k: number, depth: number,
    transposeA: boolean, transposeB: boolean, accumulate: boolean, packed: number, scratch: number,
  ): void {
    this.setProduct(out, a, b, m, n, k, transposeA, transposeB, accumulate, packed);
    this.job[FLAGS] |= depth << DEPTH_SHIFT;
    const panels = kernels.matmulRowsPanels(n);
    if (m >= ROWS_TO_SPLIT_ROWS) {
      // Many rows: pack the panels between the threads, then share out the rows, each thread
      // reading every panel (from its own cache, after the first rows).
      this.share(kernels, scratch, ROWS_PACK, panels, 1, panels);
      // Strips of rows (the panels are packed, and each row is listed once).
      this.shareRows(kernels, scratch, ROWS_COMPUTE, m);
    } else {
      // Few rows: each thread packs and computes its own panels, which stay in its cache; it
      // lists every row's values for itself.
      this.share(kernels, scratch, ROWS_BY_PANELS, panels, 1, panels, Math.min(panels, this.count));
    }
  }

  /**
   * out [m, n] = aᵀ·b as the row-pair kernel computes it (see matmul-pairs.as): the threads first
   * pack b's panels into `packed` between them, then compute strips of row pairs, each thread
   * transposing the rows it computed into `transposed` [n, m].
   */
  matmulPairs(
    kernels: KernelExports, out: number, a: number, b: number, m: number, n: number, k: number,
    accumulate: boolean, packed: number, transposed: number, scratch: number,
  ): void {
    this.setProduct(out, a, b, m, n, k, true, false, accumulate, packed);
    this.reals[0] = transposed;
    const panels = kernels.matmulPairsPanels(n);
    this.share(kernels, scratch, PAIRS_PACK, panels, 1, panels);
    this.shareRows(kernels, scratch, PAIRS_COMPUTE, m);
  }

  /**
   * A job of `kind` over m rows in strips of whole ROWS_PER_UNIT units, about ROWS_PER_STRIP rows
   * each (two per thread for fewer rows): a strip repeats no work of another, so many small
   * strips cost nothing but their claims, and they leave little for one thread to finish alone
   * when the other started late.
   */
  private shareRows(kernels: KernelExports, scratch: number, kind: number, m: number): void {
    const units = Math.ceil(m / ROWS_PER_UNIT);
    const strips = Math.max(Math.min(units, 2 * this.count), Math.floor(m / ROWS_PER_STRIP));
    this.share(kernels, scratch, kind, units, ROWS_PER_UNIT, m, strips);
  }

  /** Deskews rows images of x into y (see assembly/deskew.as), shared out in strips of images. */
  deskew(
    kernels: KernelExports, y: number, x: number, rows: number, width: number, height: number, scratch: number,
  ): void {
    this.setProduct(y, x, 0, rows, width, height, false, false, false, 0);
    this.share(kernels, scratch, DESKEW, rows, 1, rows);
  }

  /**
   * A kernel that goes row by row (addRowVector, leakyRelu, softmaxRows) over `rows` rows of `n`
   * values, shared out in strips of rows: y from x, with `row` (addRowVector's vector) and
   * `slope` (leakyRelu's).
   */
  rowWise(
    kernels: KernelExports, kind: RowWiseKind, y: number, x: number, row: number, rows: number, n: number,
    slope: number, scratch: number,
  ): void {
    this.setProduct(y, x, row, rows, n, 0, false, false, false, 0);
    this.reals[0] = slope;
    this.share(kernels, scratch, kind, rows, 1, rows);
  }

  /**
   * out [1, n] = x·bᵀ (or += it) for one row x [1, k] and b [n, k] (see assembly/matmul-dot.as):
   * one digit through a layer, its neurons shared out in strips of DOT_UNIT. Each element is the
   * same dot product whichever thread computes it, so the bits do not depend on the sharing.
   */
  matmulDot(
    kernels: KernelExports, out: number, x: number, b: number, n: number, k: number, accumulate: boolean,
    scratch: number,
  ): void {
    this.setProduct(out, x, b, 1, n, k, false, true, accumulate, 0);
    this.share(kernels, scratch, DOT, Math.ceil(n / DOT_UNIT), DOT_UNIT, n, this.count);
  }

  /** out [cols, rows] = fromᵀ (see matmulTranspose in assembly/matmul-rows.as), in strips of rows. */
  transpose(kernels: KernelExports, out: number, from: number, rows: number, cols: number, scratch: number): void {
    this.setProduct(out, from, 0, rows, cols, 0, false, false, false, 0);
    this.share(kernels, scratch, TRANSPOSE, Math.ceil(rows / 4), 4, rows);
  }

  /**
   * pixelsToFloats gathering `count` images of `width` bytes, those `rows` names (a block of
   * row numbers in the memory), into out, shared out in strips of images: each image is a few
   * cache lines scattered over a dataset, so two threads wait for twice as many at once.
   */
  gatherPixels(
    kernels: KernelExports, out: number, pixels: number, rows: number, count: number, width: number, scratch: number,
  ): void {
    this.setProduct(out, pixels, rows, count, width, 0, false, false, false, 0);
    this.share(kernels, scratch, GATHER, count, 1, count);
  }

  /**
   * gatherPixels posted to the workers without waiting for it: the main thread goes on with its
   * own work meanwhile (a training step's serial stretch, its last layers, while the worker
   * gathers the next batch's images, which wait on the memory, not the processor). The next job,
   * or settle(), waits for it first; until then nothing may read or write `out`.
   */
  gatherPixelsAhead(
    kernels: KernelExports, out: number, pixels: number, rows: number, count: number, width: number, scratch: number,
  ): void {
    this.setProduct(out, pixels, rows, count, width, 0, false, false, false, 0);
    const strips = Math.min(count, AHEAD_STRIPS);
    this.postStrips(GATHER, count, 1, count, strips);
    this.pendingStrips = strips;
    this.pendingKernels = kernels;
    this.pendingScratch = scratch;
  }

  /**
   * Waits for the job posted ahead, if one is pending, running first the strips of it that no
   * worker has claimed yet (a worker that is asleep, or set aside, then delays nothing). Every
   * job's words are written only after this: a worker reads them again for each strip it claims.
   */
  settle(): void {
    const strips = this.pendingStrips;
    if (strips === 0) return;
    this.pendingStrips = 0;
    runStrips(this.pendingKernels!, this.job, this.reals, this.generation, this.pendingScratch);
    this.await(DONE, strips);
  }

  /** One SGD step over `count` parameters (see assembly/optimizers.as), shared out in strips. */
  sgdStep(
    kernels: KernelExports, value: number, grad: number, velocity: number, count: number,
    learningRate: number, momentum: number, nesterov: boolean, weightDecay: number, scratch: number,
  ): void {
    this.settle();
    const job = this.job;
    job[OUT] = value;
    job[A] = grad;
    job[B] = velocity;
    job[FLAGS] = nesterov ? 1 : 0;
    this.reals[0] = learningRate;
    this.reals[1] = momentum;
    this.reals[2] = weightDecay;
    // Strips of whole SIMD vectors (4 parameters), the last one taking the remainder.
    this.share(kernels, scratch, SGD_STEP, Math.ceil(count / 4), 4, count);
  }

  /** Writes a call's operands into the job's words (for deskew: rows images, N×K, from A into OUT). */
  private setProduct(
    out: number, a: number, b: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, accumulate: boolean, packed: number,
  ): void {
    this.settle();
    const job = this.job;
    job[OUT] = out;
    job[A] = a;
    job[B] = b;
    job[M] = m;
    job[N] = n;
    job[K] = k;
    job[FLAGS] = (transposeA ? 1 : 0) | (transposeB ? 2 : 0) | (accumulate ? 4 : 0);
    job[PACKED] = packed;
  }

  /**
   * Runs one job of `kind` over `units` units of `unit` elements each (the last ones cut at
   * `size`), in `strips` strips, and returns when every strip is done. Two strips per thread (the
   * default) let the others make up for one that starts late; more would repeat the work each
   * strip does for itself (packing the shared operand, listing rows) too often.
   */
  private share(
    kernels: KernelExports, scratch: number, kind: number, units: number, unit: number, size: number,
    strips = Math.min(units, 2 * this.count),
  ): void {
    this.postStrips(kind, units, unit, size, strips);
    const own = runStrips(kernels, this.job, this.reals, this.generation, scratch);
    this.await(DONE, strips);
    this.sharedJobs++;
    this.workerStrips += strips - own;
  }

  /** Posts a job of `kind` over `units` units of `unit` elements (cut at `size`) in `strips` strips. */
  private postStrips(kind: number, units: number, unit: number, size: number, strips: number): void {
    const job = this.job;
    job[UNITS] = units;
    job[UNIT] = unit;
    job[SIZE] = size;
    this.post(kind, strips);
  }

  /** Posts a job of `kind` in `strips` strips, its other words already written, to the workers. */
  private post(kind: number, strips: number): void {
    const job = this.job;
    job[KIND] = kind;
    job[STRIPS] = strips;
    Atomics.store(job, DONE, 0);
    this.generation = (this.generation + 1) & 0x7fff;
    Atomics.store(job, NEXT, this.generation << 16);
    Atomics.store(job, GENERATION, this.generation);
    Atomics.notify(job, GENERATION);
  }

  /**
   * Whether the next call from call site `site` (a number below SITES), doing `work` units of
   * work, should be shared; the caller then makes the call, shared or alone, and calls finish().
   * Each site and size of call (by powers of two) keeps a running figure of its calls' times
   * shared and alone, and goes the faster way. Sharing does not always pay: handing strips to a
   * worker costs microseconds, a worker reads from its own caches what the main thread just
   * wrote, and when other programs keep the machine busy the operating system sets a worker
   * aside for a time slice now and then, often in the middle of a strip. The first calls
   * alternate, to time both ways, and then, after EXPLORE_FIRST calls, EXPLORE_CALLS go the other
   * way, so that the choice follows a machine that got busier or quieter (less and less often
   * while the other way stays slower). `evenWhenFar` exempts a call from the far-cores rule (see
   * FAR_PRODUCT_WORK); the largest products always go shared (see ALWAYS_SHARED_WORK).
   */
  decide(site: number, work: number, product = false, evenWhenFar = false): boolean {
    if (this.probeDue) this.probeCores();
    // What the workers did in the call before this one, for finish() to judge an explore by.
    if (this.sharedJobs > 0) this.helpedBefore = this.workerStrips > 0;
    this.sharedJobs = 0;
    this.workerStrips = 0;
    if (product && work >= ALWAYS_SHARED_WORK) {
      // Not timed, and never tried alone (see ALWAYS_SHARED_WORK).
      this.decided = -1;
      return true;
    }
    if (this.far && !evenWhenFar && work < (product ? FAR_PRODUCT_WORK : FAR_ELEMENTS)) {
      // No call is timed meanwhile, so the clock is read here, every so many calls, for the
      // next probe.
      this.decided = -1;
      if (++this.farCalls >= FAR_CLOCK_CALLS) {
        this.farCalls = 0;
        if (performance.now() - this.probed[0] > FAR_PROBE_EVERY_MILLISECONDS) this.probeDue = true;
      }
      return false;
    }
    const size = Math.min(SIZES - 1, Math.max(0, Math.floor(Math.log2(work))));
    const at = (site * SIZES + size) * STAT_SLOTS;
    const stats = this.stats;
    let share: boolean;
    this.exploring = false;
    if (stats[at + SHARED_CALLS] < TIMED_FIRST || stats[at + ALONE_CALLS] < TIMED_FIRST) {
      share = stats[at + SHARED_CALLS] <= stats[at + ALONE_CALLS];
    } else {
      share = stats[at + SHARED_TIME] <= stats[at + ALONE_TIME];
      if (stats[at + EXPLORE_EVERY] === 0) stats[at + EXPLORE_EVERY] = EXPLORE_FIRST;
      if (++stats[at + SINCE_OTHER] >= stats[at + EXPLORE_EVERY]) {
        // EXPLORE_CALLS calls the other way, the last timed: after a while alone the first
        // shared calls wake sleeping workers and fill their caches, which would make sharing
        // look slower than it is.
        share = !share;
        if (stats[at + SINCE_OTHER] >= stats[at + EXPLORE_EVERY] + EXPLORE_CALLS - 1) {
          stats[at + SINCE_OTHER] = 0;
          this.exploring = true;
        }
      }
    }
    this.decided = at;
    this.sharing = share;
    // Only some calls are timed: reading the clock from here allocates (Node's performance.now
    // builds an array and a number when V8 does not inline it: about 150 bytes a timed call),
    // and a call in TIMED_EVERY is enough to follow a machine that gets busier or quieter.
    this.timed = this.exploring || ++stats[at + SINCE_TIMED] >= TIMED_EVERY ||
      stats[at + SHARED_CALLS] < TIMED_FIRST || stats[at + ALONE_CALLS] < TIMED_FIRST;
    if (this.timed) {
      stats[at + SINCE_TIMED] = 0;
      this.started[0] = performance.now();
    }
    return share;
  }

  /** Times the call decide() was last asked about into its site and size's figures. */
  finish(): void {
    const at = this.decided;
    if (at < 0) return;
    this.decided = -1;
    if (!this.timed) return;
    const now = performance.now();
    const elapsed = now - this.started[0];
    if (now - this.probed[0] > PROBE_EVERY_MILLISECONDS) this.probeDue = true;
    const stats = this.stats;
    if (this.exploring && this.sharing && this.sharedJobs > 0 &&
      (this.workerStrips === 0 || !this.helpedBefore) && this.unhelpedExplores < MOST_UNHELPED_EXPLORES) {
      // The call that was to time sharing again found no worker awake and ready: none took a
      // strip of it, or of the shared call before it. After a spell of calls alone the workers
      // sleep, and waking one takes longer than a few short calls (one digit through 784 → 128
      // takes 3.5-5.5 µs, a wake-up tens), and a worker that has just woken starts its strip
      // late. Timing this call would count the main thread alone as "shared" and keep the site
      // alone ever longer. So it is not counted, and the next call explores again, until a
      // worker already awake takes part.
      this.unhelpedExplores++;
      stats[at + SINCE_OTHER] = stats[at + EXPLORE_EVERY] + EXPLORE_CALLS - 2;
      return;
    }
    if (this.exploring) this.unhelpedExplores = 0;
    const time = at + (this.sharing ? SHARED_TIME : ALONE_TIME);
    const calls = at + (this.sharing ? SHARED_CALLS : ALONE_CALLS);
    // The first call each way is not counted: the first shared one wakes sleeping workers.
    // Then a faster call lowers the figure at once, a slower one raises it by RECENT of the
    // difference: a call another program delayed moves it little, while a machine that stays
    // busier raises it within a few timed calls.
    if (stats[calls] === 1 || (stats[calls] > 1 && elapsed < stats[time])) {
      stats[time] = elapsed;
    } else if (stats[calls] > 1) {
      stats[time] += (elapsed - stats[time]) * RECENT;
    }
    stats[calls]++;
    if (this.exploring) {
      // The other way timed again: if it is still the slower, look again half as often (on a
      // busy machine a shared call can take ten times as long); if not, as often as at first.
      const slower = this.sharing
        ? stats[at + SHARED_TIME] > stats[at + ALONE_TIME]
        : stats[at + ALONE_TIME] > stats[at + SHARED_TIME];
      stats[at + EXPLORE_EVERY] = slower
        ? Math.min(2 * stats[at + EXPLORE_EVERY], EXPLORE_LAST)
        : EXPLORE_FIRST;
    }
  }

  /**
   * Times a word's round trip from this thread to a worker and back (ROUND_TRIPS of them, after
   * a few that wake the worker), and returns milliseconds per round trip. On the build machine,
   * a virtual one, it is about 125 ns most of the time and 340-375 ns for minutes at a stretch,
   * presumably while the host runs the two vCPUs on cores that share no cache; then everything
   * handed between the threads costs more, even what the main thread computes alone next, as
   * its data was last written by the other thread. W1 (784-128-10, batch 64) on 2 threads took
   * 0.45 s an epoch in those spells, against 0.227 s otherwise and 0.34 s on one thread, while
   * every kind of product still measured faster shared. So past FAR_ROUND_TRIP_MILLISECONDS
   * only the largest calls are shared (see FAR_PRODUCT_WORK), until a probe finds the cores
   * close again; decide() runs one about every PROBE_EVERY_MILLISECONDS.
   */
  probeCores(): number {
    this.settle();
    const job = this.job;
    this.probeDue = false;
    job[M] = WAKING_ROUND_TRIPS + ROUND_TRIPS;
    job[OUT] = 0;
    this.post(PING, 1);
    // The worker that claims the job's one strip answers each odd number in OUT with the next.
    // The fastest of a few blocks counts: a block during which the system put either thread
    // aside for a moment says nothing about the cores.
    let fastest = Infinity;
    let started = 0;
    for (let trip = 0; trip < WAKING_ROUND_TRIPS + ROUND_TRIPS; trip++) {
      if (trip >= WAKING_ROUND_TRIPS && (trip - WAKING_ROUND_TRIPS) % BLOCK_ROUND_TRIPS === 0) {
        const now = performance.now();
        if (trip > WAKING_ROUND_TRIPS) fastest = Math.min(fastest, now - started);
        started = now;
      }
      Atomics.store(job, OUT, 2 * trip + 1);
      this.await(OUT, 2 * trip + 2);
    }
    const now = performance.now();
    fastest = Math.min(fastest, now - started);
    this.await(DONE, 1);
    const roundTrip = fastest / BLOCK_ROUND_TRIPS;
    this.far = roundTrip > FAR_ROUND_TRIP_MILLISECONDS;
    this.probed[0] = now;
    return roundTrip;
  }

  /** Whether the last probe found the cores far apart (see probeCores). */
  get farCores(): boolean {
    return this.far;
  }

  /** Spins until job word `word` holds `value`, giving up on a worker that stopped answering. */
  private await(word: number, value: number): void {
    // The clock is read only once the wait grows long (every 4096 turns): reading it costs
    // more than a turn, and it may allocate.
    let waitStarted = -1;
    for (let turns = 1; Atomics.load(this.job, word) !== value; turns++) {
      if ((turns & 4095) !== 0) continue;
      if (waitStarted < 0) waitStarted = performance.now();
      else if (performance.now() - waitStarted > 60_000) {
        throw new Error('wasm backend: a worker thread stopped answering');
      }
    }
  }

  /** Stops the workers. */
  terminate(): void {
    for (const worker of this.workers) worker.terminate();
  }
}

/** Call sites, and sizes of call (log₂ of its work), that decide() tells apart. */
const SITES = 12;
const SIZES = 48;
// A site and size's stats.
const SHARED_TIME = 0;
const ALONE_TIME = 1;
const SHARED_CALLS = 2;
const ALONE_CALLS = 3;
const SINCE_OTHER = 4;
const EXPLORE_EVERY = 5;
const SINCE_TIMED = 6;
const STAT_SLOTS = 7;
/** One call in this many is timed (and all the first ones, and those that explore). */
const TIMED_EVERY = 128;
/** How far a slower call raises a running figure (see finish). */
const RECENT = 1 / 4;
/** Calls each way timed first, alternating (the first of each is not counted). */
const TIMED_FIRST = 2;
/**
 * After EXPLORE_FIRST calls, EXPLORE_CALLS go the way the figures did not choose, the last one
 * timed, to time it again; each time that way is still the slower, it waits twice as long, up to
 * EXPLORE_LAST calls. The calls before the timed one wake a sleeping worker and bring what it
 * reads back into its cache. One digit through 784 → 128 after training W1: timing the second of
 * two shared calls left the shared figure at 3.2, 486 and 239 µs in three runs (a worker set
 * aside by the scheduler once, then never timed warm), against 5.5-5.9 alone, so it stayed alone;
 * timing the fourth of four, at 3.5, 3.4 and 4.6 µs, and the digit went shared.
 */
const EXPLORE_FIRST = 8;
/**
 * Exploring calls in a row that may go uncounted because no worker took part (see finish),
 * before one is counted anyway: a worker that never answers must not keep a site exploring.
 */
const MOST_UNHELPED_EXPLORES = 64;
const EXPLORE_CALLS = 4;
const EXPLORE_LAST = 512;

/**
 * Round trips a probe times (see probeCores), in blocks, after the first few, which wake a
 * sleeping worker.
 */
const ROUND_TRIPS = 64;
const BLOCK_ROUND_TRIPS = 16;
const WAKING_ROUND_TRIPS = 8;
/** Round trips slower than this (0.28 µs) mean the cores are far apart. */
const FAR_ROUND_TRIP_MILLISECONDS = 280e-6;
/**
 * While they are, products of fewer multiply-adds than this, and other calls over fewer values
 * than FAR_ELEMENTS, stay on the main thread. Both were measured on two workloads only: W1
 * (784-128-10, batch 64), whose products (6.4 million multiply-adds, most of them skipped zeros)
 * and SGD steps (100,000 weights) are better alone in a spell, and W4 (784-512-512-10, batch 128),
 * whose products (33 and 51 million) still gained 1.7× shared, and whose SGD steps and transposes
 * over 262,144 and 401,408 values were better shared too (an epoch took 7% longer without).
 * One digit through a layer is exempt (decide's `evenWhenFar`): the worker keeps its part of the
 * weights in its own cache from call to call, and only the digit and the sums cross between the
 * cores. 784 → 128 for one digit, in a spell (round trips 307-338 ns, four rounds of 9 × 500
 * calls): 3.5-5.4 µs shared against 5.2-7.3 alone; with the cores near, 3.6 against 5.6 (means
 * of 374 rounds, scratch-tmp/fardot.mts, 2026-11-24).
 */
const FAR_PRODUCT_WORK = 1 << 24;
/**
 * Products of at least this many multiply-adds are always shared, near cores or far, and never
 * timed alone: each takes milliseconds, its strips are claimed one by one (a 10,000-row product
 * makes 39), so a worker set aside for a while costs it at most the strip in hand while the main
 * thread takes the rest, and a call tried alone to time it cost twice a shared one. 10,000 digits
 * through 784 → 128 (10⁹ multiply-adds), 21 calls after training W1 on 2 threads
 * (scratch-tmp/w3digit.mts, five runs): six of them went alone to be timed, at 17.2-26.0 ms
 * against 8.9-11.7 shared, and the 04:53 benchmark run of 2026-11-25 measured them at 18.0 ms,
 * one thread's time, its figures having chosen alone after one slow shared call.
 */
const ALWAYS_SHARED_WORK = 1 << 27;
const FAR_ELEMENTS = 1 << 18;
/** How often decide() probes the cores: they move apart and back over minutes. */
const PROBE_EVERY_MILLISECONDS = 1000;
/**
 * How soon decide() probes again while the last probe found the cores far apart. A probe during
 * which the system put the worker aside for the whole of it (V8 compiling on a background thread
 * in a process's first epochs, on two cores) would find them far although they are not, and
 * until this, kept products on one thread for a second, several W1 epochs. It was a suspect for
 * the benchmark's slow first measured W1 epochs on 2 threads in its full runs of 2026-11-25 from
 * 01:58 on, but not their cause: in fresh W1 processes, during the slow first epochs, every
 * product was shared and no probe found the cores far. A real spell lasts minutes, and a probe
 * costs microseconds.
 */
const FAR_PROBE_EVERY_MILLISECONDS = 100;
/**
 * While they are far apart, decide() reads the clock once in this many calls it keeps alone
 * (W1 makes about five a step): a reading may allocate, about 150 bytes (see decide).
 */
const FAR_CLOCK_CALLS = 1024;

/** FLAGS holds the row-list kernel's block depth above its three flag bits. */
const DEPTH_SHIFT = 3;

// The job's words.
const GENERATION = 0;
const NEXT = 1;
const DONE = 2;
const OUT = 3;
const A = 4;
const B = 5;
const M = 6;
const N = 7;
const K = 8;
const FLAGS = 9;
const STRIPS = 10;
const KIND = 11;
const UNITS = 12;
const UNIT = 13;
const SIZE = 14;
const PACKED = 15;
const JOB_WORDS = 16;
/** Byte offset and count of the job's float64 arguments, after its words. */
const REALS = JOB_WORDS * 4;
const JOB_REALS = 4;
const JOB_BYTES = REALS + JOB_REALS * 8;

// The kinds of job: matmul's strips of columns or rows, the row-list kernel's packing of panels
// and its strips of rows.
const PANELS_BY_COLUMNS = 0;
const PANELS_BY_ROWS = 1;
const ROWS_PACK = 2;
const ROWS_COMPUTE = 3;
const ROWS_BY_PANELS = 4;
const DESKEW = 5;
const SGD_STEP = 6;
/** Row-wise kernels (see rowWise). */
export const ADD_ROW_VECTOR = 7;
export const LEAKY_RELU = 8;
export const SOFTMAX_ROWS = 9;
export type RowWiseKind = typeof ADD_ROW_VECTOR | typeof LEAKY_RELU | typeof SOFTMAX_ROWS;
const TRANSPOSE = 10;
const GATHER = 11;
/**
 * Strips of a gather posted ahead (see gatherPixelsAhead): a worker claims them one after
 * another, and a main thread that needs the job slot before the worker is done takes the rest.
 */
const AHEAD_STRIPS = 4;
/** A probe's round trips (see probeCores): M of them, the ball in OUT. */
const PING = 12;
/** Turns of a worker's spin between readings of the clock (see workerSource). */
const SPIN_TURNS = 256;
/** One row times a transposed b (see matmulDot), in strips of neurons. */
const DOT = 13;
/** The row-pair kernel's packing of panels and its strips of rows (whole pairs: ROWS_PER_UNIT is even). */
const PAIRS_PACK = 14;
const PAIRS_COMPUTE = 15;
/**
 * Neurons per unit of matmulDot's strips: the dot kernel takes six rows of b at a time, so that
 * strips of whole sixes leave each thread no slower rows of b but the last.
 */
const DOT_UNIT = 6;
/** Rows per unit of the row-list kernel's strips of rows. */
const ROWS_PER_UNIT = 16;
/**
 * Rows per strip of the row-list kernel, at least (with two strips per thread for fewer rows):
 * 256 digits take about 0.5 ms on a thread, the most the main thread then waits for a worker
 * that started its last strip late. On a quiet machine 10,000 digits × 784 → 128 on 2 threads
 * took the same 9.3-9.6 ms in 4 strips and in 39.
 */
const ROWS_PER_STRIP = 256;
/**
 * From this many rows the row-list kernel's threads share out rows rather than panels: reading
 * panels another thread packed costs each thread a copy from the other's cache, which many rows
 * repay, while listing every row in each thread (as sharing panels does) costs less for few rows.
 */
const ROWS_TO_SPLIT_ROWS = 256;

/**
 * Claims and runs strips of the current job until none is left. The worker's program below
 * carries a copy of this function's text (it cannot import), so the two stay one definition;
 * for that the text names no constant of this module: the job's words are written as numbers,
 * with their names beside them, and so are the kinds of job.
 */
function runStrips(
  kernels: KernelExports, job: Int32Array, reals: Float64Array, generation: number, scratch: number,
): number {
  let ran = 0;
  const strips = job[10]; // STRIPS
  const units = job[12]; // UNITS
  const unit = job[13]; // UNIT
  const size = job[14]; // SIZE
  const m = job[6]; // M
  const n = job[7]; // N
  const k = job[8]; // K
  const flags = job[9]; // FLAGS
  const transposeA = (flags & 1) !== 0;
  const transposeB = (flags & 2) !== 0;
  const accumulate = (flags & 4) !== 0;
  const depth = flags >> 3; // DEPTH_SHIFT: the row-list kernel's block depth
  for (;;) {
    const claim = Atomics.load(job, 1); // NEXT
    const strip = claim & 0xffff;
    if (claim >>> 16 !== generation || strip >= strips) return ran;
    if (Atomics.compareExchange(job, 1, claim, claim + 1) !== claim) continue;
    ran++;
    const first = Math.min(size, unit * Math.floor((strip * units) / strips));
    const end = Math.min(size, unit * Math.floor(((strip + 1) * units) / strips));
    // OUT 3, A 4, B 5, PACKED 15
    switch (job[11]) { // KIND
      case 0: // PANELS_BY_COLUMNS
        kernels.matmul(job[3], job[4], job[5], m, n, k, transposeA, transposeB, accumulate, scratch, 0, m, first, end);
        break;
      case 1: // PANELS_BY_ROWS
        kernels.matmul(job[3], job[4], job[5], m, n, k, transposeA, transposeB, accumulate, scratch, first, end, 0, n);
        break;
      case 2: // ROWS_PACK
        kernels.matmulRowsPack(job[5], n, k, depth, transposeB, job[15], first, end);
        break;
      case 3: // ROWS_COMPUTE
        kernels.matmulRowsCompute(
          job[3], job[4], m, n, k, depth, transposeA, accumulate, job[15], scratch, first, end, 0,
          kernels.matmulRowsPanels(n),
        );
        break;
      case 4: // ROWS_BY_PANELS
        kernels.matmulRowsPack(job[5], n, k, depth, transposeB, job[15], first, end);
        kernels.matmulRowsCompute(
          job[3], job[4], m, n, k, depth, transposeA, accumulate, job[15], scratch, 0, m, first, end,
        );
        break;
      case 5: { // DESKEW: M images of N×K pixels
        const bytes = n * k * 4;
        const rows = end - first;
        const scratchBytes = kernels.matmulScratchBytes();
        kernels.deskew(job[3] + first * bytes, job[4] + first * bytes, rows, n, k, scratch, scratchBytes);
        break;
      }
      case 6: // SGD_STEP: value OUT, grad A, velocity B, Nesterov in FLAGS; reals rate, momentum, decay
        kernels.sgdStep(
          job[3] + first * 4, job[4] + first * 4, job[5] + first * 4, end - first,
          reals[0], reals[1], (flags & 1) !== 0, reals[2],
        );
        break;
      case 7: // ADD_ROW_VECTOR: rows of x (A) plus the vector B into OUT, N values a row
        kernels.addRowVector(job[3] + first * n * 4, job[4] + first * n * 4, job[5], end - first, n);
        break;
      case 8: // LEAKY_RELU: rows of x (A) into OUT, slope in reals
        kernels.leakyRelu(job[3] + first * n * 4, job[4] + first * n * 4, (end - first) * n, reals[0]);
        break;
      case 9: // SOFTMAX_ROWS
        kernels.softmaxRows(job[3] + first * n * 4, job[4] + first * n * 4, end - first, n);
        break;
      case 10: // TRANSPOSE: rows of A [M, N] into OUT [N, M]
        kernels.matmulTranspose(job[3], job[4], m, n, first, end);
        break;
      case 11: // GATHER: images B[first .. end) of N bytes from A into rows of OUT
        kernels.gatherPixels(job[3] + first * n * 4, job[4], job[5] + first * 4, end - first, n);
        break;
      case 12: // PING: M round trips, answering each odd number in OUT with the next one
        for (let trip = 0; trip < m; trip++) {
          while (Atomics.load(job, 3) !== 2 * trip + 1) {}
          Atomics.store(job, 3, 2 * trip + 2);
        }
        break;
      case 13: // DOT: neurons [first, end) of one row x (A) times B transposed, into OUT
        kernels.matmulDot(job[3] + first * 4, job[4], job[5] + first * k * 4, 1, end - first, k, accumulate);
        break;
      case 14: // PAIRS_PACK
        kernels.matmulPairsPack(job[5], n, k, job[15], first, end);
        break;
      case 15: // PAIRS_COMPUTE, then those rows of OUT transposed into the address in reals[0]
        kernels.matmulPairsCompute(job[3], job[4], m, n, k, accumulate, job[15], scratch, first, end);
        kernels.matmulTranspose(reals[0], job[3], m, n, first, end);
        break;
    }
    Atomics.add(job, 2, 1); // DONE
  }
}

/**
 * The worker's program, as source text so that it runs from a Blob URL or Node's eval without a
 * file of its own.
 */
const workerSource = `
const inNode = typeof require === 'function' && typeof self === 'undefined';
const port = inNode ? require('node:worker_threads').parentPort : self;
function onFirstMessage(handler) {
  if (inNode) port.once('message', handler);
  else self.onmessage = (event) => handler(event.data);
}
const runStrips = ${runStrips.toString()};
onFirstMessage(async ({ module, memory, control, scratch, spinMilliseconds }) => {
  const { exports: kernels } = await WebAssembly.instantiate(module, { env: { memory } });
  const job = new Int32Array(memory.buffer, control, ${JOB_WORDS});
  const reals = new Float64Array(memory.buffer, control + ${REALS}, ${JOB_REALS});
  let generation = Atomics.load(job, ${GENERATION});
  port.postMessage('ready');
  for (;;) {
    // The clock is read once in SPIN_TURNS turns: a reading allocates when V8 does not inline
    // performance.now, and a worker reading it every turn collected its young generation about
    // every 25 ms, each time making the main thread wait if a job came.
    const spinUntil = performance.now() + spinMilliseconds;
    let turns = 0;
    while (Atomics.load(job, ${GENERATION}) === generation) {
      if (++turns % ${SPIN_TURNS} === 0 && performance.now() > spinUntil) Atomics.wait(job, ${GENERATION}, generation);
    }
    generation = Atomics.load(job, ${GENERATION});
    runStrips(kernels, job, reals, generation, scratch);
  }
});
`;

interface WorkerHandle {
  post(message: unknown): void;
  /** Settles when the worker has its kernels and waits for jobs; rejects if it fails first. */
  ready: Promise<void>;
  terminate(): void;
}

interface NodeWorker {
  postMessage(message: unknown): void;
  once(event: string, listener: (value: unknown) => void): void;
  unref(): void;
  terminate(): unknown;
}

type NodeWorkerConstructor = new (code: string, options: { eval: true }) => NodeWorker;

function spawnWorker(source: string): WorkerHandle {
  if (typeof Worker === 'function') {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url);
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => reject(new Error(`wasm backend: a worker thread failed: ${event.message}`));
    });
    return { post: (message) => worker.postMessage(message), ready, terminate: () => worker.terminate() };
  }
  const threads = nodeBuiltin<{ Worker: NodeWorkerConstructor }>('node:worker_threads');
  if (threads === undefined) {
    throw new Error('wasm backend: this runtime has neither Web Workers nor worker_threads (Node ≥ 20.16)');
  }
  const worker = new threads.Worker(source, { eval: true });
  // A waiting worker must not keep Node running once the program is done.
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', (error) => reject(error));
  });
  return { post: (message) => worker.postMessage(message), ready, terminate: () => void worker.terminate() };
}
