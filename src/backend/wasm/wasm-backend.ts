import type { AdamStepOptions, Backend, SgdStepOptions } from '../backend.js';
import type { Floats } from '../../tensor.js';
import { Tensor } from '../../tensor.js';
import type { Random } from '../../random.js';
import { ReferenceBackend } from '../reference.js';
import {
  checkDeskew, checkLossSlot, checkMatmul, checkMatrix, checkPixels, checkRowVector, checkSameShape, describe,
} from '../shapes.js';
import {
  compileKernels, instantiateKernels, RELAXED_SIMD_FLAG, supportedVariants, type KernelExports,
  type KernelVariant,
} from './load-kernels.js';
import { nodeBuiltin } from './node-builtin.js';
import {
  ADD_ROW_VECTOR, KernelThreads, LEAKY_RELU, SOFTMAX_ROWS, type RowWiseKind,
} from './kernel-threads.js';
import { createMemory, WasmHeap } from './wasm-heap.js';

export interface WasmBackendOptions {
  /**
   * Which build: 'auto' (default) takes relaxed SIMD where the runtime validates it, else SIMD.
   * Node 20 validates relaxed SIMD only after enableRelaxedSimd() (or with its flag).
   */
  variant?: 'auto' | KernelVariant;
  /**
   * 'shared' memory grows as tensors need it; 'unshared' reserves `memoryMiB` once and never grows
   * (growing would detach every tensor's Float32Array). 'auto' (default) takes shared memory where
   * the runtime allows it (Node; browsers only when cross-origin isolated), else unshared.
   */
  memory?: 'auto' | 'shared' | 'unshared';
  /** MiB to start with (shared) or to reserve (unshared). Default 16 shared, 256 unshared. */
  memoryMiB?: number;
  /**
   * Threads for large kernel calls (matrix products, deskewing, SGD steps): the main thread and
   * threads − 1 workers on shared memory, each computing whole strips of the call, so that
   * results are the same bits for any thread count. Needs shared memory (in browsers, a
   * cross-origin isolated page). 'auto' (default): in Node, with shared memory, one per core up to
   * four (each kind of call is shared only while that is faster than alone: see KernelThreads);
   * elsewhere 1, as a page's own work may need the other cores.
   */
  threads?: number | 'auto';
}

/** The most threads 'auto' starts: beyond them, products this size gain little. */
const MOST_AUTO_THREADS = 4;

/**
 * Products of fewer multiply-adds than this run on one thread: handing work to another thread
 * and waiting for it costs about a microsecond even while it spins, and tens when it sleeps.
 */
const THREADED_WORK = 1 << 18;
/**
 * One row times a transposed b (one digit through a layer) may be shared from this many
 * multiply-adds: 784 → 128 (100,352) took 3.2-3.5 µs shared against 5.3-5.6 alone when the cores
 * were near (scratch timing, 2026-11-24). Smaller ones were not timed: at 2^15 the work alone
 * is still several times the hand-over's 0.2-0.3 µs, and decide() judges each size apart anyway.
 */
const THREADED_DOT = 1 << 15;
/**
 * Weight gradients dyᵀ·x over at least this many examples are computed as (xᵀ·dy)ᵀ when x is
 * mostly zeros; with fewer, each pixel's list is too short to pay for its tiles.
 */
const TRANSPOSED_DEPTH = 32;
/**
 * ... and when the gradient has more rows than this: computed transposed, its rows are the
 * columns of one narrow panel, whose tiles wait on their few sums' additions. A last layer's
 * 10 × 128 over 64 ReLU outputs: 14.1 µs transposed, 7.7 by matmul's tiles (1 thread).
 */
const TRANSPOSED_NARROWEST = 16;
/** Batches of at least this many images are deskewed on every thread (each takes a few µs). */
const THREADED_IMAGES = 16;
/**
 * Batches of at least this many pixels gathered from a dataset are gathered on every thread: a
 * batch of 64 MNIST digits took about 22 µs on one thread, waiting on memory.
 */
const THREADED_GATHER = 1 << 14;
/** SGD steps over at least this many parameters run on every thread (each takes about 0.6 ns). */
const THREADED_PARAMETERS = 1 << 15;
/**
 * A layer's weighted sums for up to this many rows (one digit at a time) are dot products of
 * contiguous rows (assembly/matmul-dot.as), summed in another order than the other kernels'.
 * So are those of a batch through a layer of at most `narrow` neurons, below THREADED_WORK (a
 * last layer's 64 × 128 → 10, 1 thread: 4.2 µs, against 7.2 by matmul's small path, which
 * copies the transposed weights first and fills 16 columns for 10).
 */
const DOT_ROWS = 3;
/** Weight gradients over at most this many examples take matmulFewDepths (assembly/matmul-small.as). */
const FEW_DEPTHS = 16;
/**
 * Below this share of non-zero values in a (not transposed), the row-list kernel computes the
 * product: it does the same multiplications at about 70% of the tiles' speed on dense rows, and
 * skips each row's zeros. For products of at most `narrow` columns, below the second share:
 * matmul's small path shares each load between two rows, so it takes half the time a row list
 * takes per value (64 × 128 → 10, 1 thread: 11.1 µs by row lists on ReLU outputs with half their
 * values zero, 9.9 by tiles, 8.4 by the small path; 10 digits × 784 → 16 20.5 by the small path
 * and 7.6 by row lists).
 */
const WHOLE = 1024;
const ROWS_DENSITY = 0.65 * WHOLE;
const NARROW_ROWS_DENSITY = 0.35 * WHOLE;
/** See rowsBlockDepth; the deepest block is what the kernel's lists hold (matmul-rows.as). */
const ENTRIES_PER_BLOCK = 160;
const MOST_BLOCK_DEPTH = 1024;
// Call sites whose sharing KernelThreads.decide judges apart.
const PANELS = 0;
const ROWS = 1;
const TRANSPOSED = 2;
const DESKEW = 3;
const SGD = 4;
/** The row-wise kernels' sites: this and the two after it. */
const ROW_WISE_SITE = 5;
const TRANSPOSE_SITE = 8;
const GATHER = 9;
const DOT = 10;
const PAIRS = 11;
/**
 * The row-pair kernel computes a weight gradient transposed (see assembly/matmul-pairs.as) when
 * matmulPairsShare finds neighbouring rows of xᵀ this much in step, in 1024ths: below about 3/4
 * a pair's union list pays (MNIST digits sample at about 0.6: W1's dW, 128 × 784 over 64
 * digits, took 113 µs in pairs against 130 by single rows' lists, 1 thread, best of 20).
 */
const PAIRS_SHARE = 0.7 * WHOLE;
/**
 * Transposes of a weight gradient computed transposed, from this many values, run on every
 * thread: W1's 784 × 128 took 13.6 µs on one thread, W4's 784 × 512 about 100 µs.
 */
const THREADED_TRANSPOSE = 1 << 16;
/**
 * Row-wise calls over at least this many values run on every thread: the inference of all
 * 10,000 test digits adds the bias to 1.28 million sums and takes their ReLU, about 0.3 ms each
 * on one thread; softmax takes about 10 ns a value, so it shares from fewer.
 */
const THREADED_ELEMENTS = 1 << 18;
const THREADED_EXPONENTIALS = 1 << 15;
/** How long an idle worker spins before it sleeps (see KernelThreads). */
const WORKER_SPIN_MILLISECONDS = 0.5;

/**
 * Creates the WebAssembly SIMD backend, or throws an Error saying why this runtime cannot run it.
 * Load it once, at start-up: compiling takes a few milliseconds.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const supported = supportedVariants();
  const wanted = options.variant ?? 'auto';
  const variant = wanted === 'auto' ? supported[0] : supported.find((v) => v === wanted);
  if (variant === undefined) {
    throw new Error(
      wanted === 'relaxed'
        ? `wasm backend: this runtime cannot compile relaxed SIMD (in Node 20, call enableRelaxedSimd() first, or run node ${RELAXED_SIMD_FLAG})`
        : 'wasm backend: this runtime has no WebAssembly SIMD; use the reference backend',
    );
  }
  const wantedThreads = options.threads ?? 'auto';
  if (wantedThreads !== 'auto' && (!Number.isInteger(wantedThreads) || wantedThreads < 1)) {
    throw new RangeError(`wasm backend: threads must be a whole number ≥ 1 or "auto", got ${wantedThreads}`);
  }
  const memoryChoice = options.memory ?? 'auto';
  const shared = memoryChoice === 'shared' || (memoryChoice === 'auto' && sharedMemoryAllowed());
  const threads = wantedThreads === 'auto' ? (shared ? automaticThreads() : 1) : wantedThreads;
  if (threads > 1 && !shared) {
    throw new Error(
      memoryChoice === 'unshared'
        ? 'wasm backend: threads need shared memory, not memory: "unshared"'
        : 'wasm backend: threads need shared memory, which this runtime refuses (a browser page must be cross-origin isolated)',
    );
  }
  const module = await compileKernels(variant, shared);
  const memory = createMemory(shared, (options.memoryMiB ?? (shared ? 16 : 256)) * 1024 * 1024);
  const kernels = await instantiateKernels(module, memory);
  const heap = new WasmHeap(memory, shared, kernels.heapBase());
  const pool = threads > 1
    ? await KernelThreads.start(threads, module, heap, kernels.matmulScratchBytes(), WORKER_SPIN_MILLISECONDS)
    : undefined;
  return new WasmBackend(variant, heap, kernels, pool);
}

/**
 * The kernels of backend.ts in WebAssembly SIMD, float32 only, matching the reference backend
 * (reference.ts, the specification) within float32 rounding. The kernels are AssemblyScript in
 * assembly/, compiled by scripts/build-wasm.ts into the *.generated.ts modules this loads.
 *
 * Memory. Tensors from alloc() live in the module's memory, so kernels run on them in place;
 * tensors elsewhere are copied in and out around the call (or, when there is no room for the
 * copies, run on the reference kernels). See WasmHeap for why the memory is shared where the
 * runtime allows, and reserved once where it does not.
 *
 * Precision. matmul and the activations sum and compute in float32: matmul agrees with the
 * reference to about 1e-6 of Σ|a||b|, and e^x and tanh to a few units in the last place. Where
 * float32 would round differently and float64 is cheap, the kernels use float64 in the
 * reference's order of operations and agree to the last bit (sumRows, softmaxRowsBackward,
 * meanSquaredError, deskew), or nearly, where exp and log come from another library than Math's
 * (the cross-entropies); addRowVector and multiply are single float32 operations and agree too.
 * The optimizers run in float32, within float32 rounding of their terms: a float64 Adam costs as
 * much as the rest of a training step, and a float64 SGD step took a sixth of the video
 * network's; Adam takes float64 for gradients over 1e18, whose square float32 cannot hold. One
 * difference the interface allows: a sum whose partial sums overflow float32 (two products of
 * 1e30·1e30 of opposite sign) is NaN here and may be finite in the reference, which sums in
 * float64.
 *
 * Matrix products take one of four kernels. The main one (assembly/matmul.as) packs panels of
 * 4 rows of op(a) and 8 columns of op(b) and computes 4×8 tiles in eight f32x4 accumulators. It
 * skips the depths where a panel of either operand is all zero (81% of MNIST's pixels are), but
 * only in blocks where the other operand is all finite, because 0·Inf and 0·NaN are NaN. When a
 * (not transposed) is mostly zeros, as digits and ReLU outputs are, the row-list kernel
 * (assembly/matmul-rows.as) lists each row's non-zero values and skips the rest row by row.
 * Products of a few thousand multiply-adds, or of a few columns, skip packing altogether
 * (assembly/matmul-small.as). These three sum each element over the depths in increasing order,
 * and skipping an exact zero term leaves a sum's bits as they were, so their results do not
 * depend on the kernel, on what was skipped, nor on how threads split the work. The fourth
 * (assembly/matmul-dot.as) takes one to three rows times a transposed b, one digit through a
 * layer, and a batch through a narrow last layer: it reads b as it lies, in four partial sums
 * per element, so a digit's weighted sums alone agree with the same digit's in a large batch
 * within float32 rounding, not to the bit. One row may share its neurons with a worker: each
 * element is the same dot product on either thread.
 */
export class WasmBackend implements Backend {
  readonly name: string;
  readonly variant: KernelVariant;
  /** Whether the memory is a shared WebAssembly.Memory (grows freely; needed for threads). */
  readonly shared: boolean;
  /** Threads that large matrix products use (1: the calling thread only). */
  readonly threads: number;
  private readonly kernels: KernelExports;
  private readonly heap: WasmHeap;
  /**
   * The main thread's scratch: the matrix kernels' packing buffers, which deskew and the softmax
   * loss borrow too; and its size.
   */
  private readonly scratch: number;
  private readonly scratchBytes: number;
  /**
   * Where the loss kernels store the batch mean loss, and a view of it (see assembly/losses.as).
   * A shared memory's growth leaves the view valid (only an unshared one would detach it, and
   * that never grows).
   */
  private readonly lossSlot: Float64Array;
  /** For dropoutMask and argmaxRows, which draw from a JS Random or write an Int32Array. */
  private readonly reference = new ReferenceBackend();
  private pool: KernelThreads | undefined;
  /** The row-list kernel's packed op(b) (see packedFor): its address, or −1, and its size. */
  private packed = -1;
  private packedBytes = 0;
  /** The buffer for products computed transposed (see matmul): its address, or −1, and its size. */
  private transposed = -1;
  private transposedBytes = 0;
  /**
   * The rows a gathered batch takes (see pixelsToFloats), copied into this memory: a view of a
   * block reserved as the packing buffers are (a shared memory's growth leaves it valid).
   */
  private gatherRows: Int32Array | undefined;
  /**
   * The gather posted ahead, which the pool may still be running (see pixelsToFloatsAhead): its
   * row numbers, in this memory (the worker reads them), and where the rest of its call pointed.
   */
  private aheadRows: Int32Array | undefined;
  private readonly ahead = { out: -1, count: 0, width: 0, pixels: -1, pixelsLength: 0 };
  // (ahead.out is −1 when no gather was posted ahead since the last pixelsToFloats.)
  /**
   * Products of at most `smallWork` multiply-adds, or of at most `narrow` columns unless a is
   * mostly zeros (a last layer's 10 outputs), take matmul's small path: the module's own bounds
   * (assembly/matmul-small.as), which it applies inside matmul too.
   */
  private readonly smallWork: number;
  private readonly narrow: number;

  /** Use createWasmBackend(), which compiles and links the module first. */
  constructor(variant: KernelVariant, heap: WasmHeap, kernels: KernelExports, pool?: KernelThreads) {
    this.variant = variant;
    this.name = `wasm-${variant}`;
    this.shared = heap.shared;
    this.threads = pool?.count ?? 1;
    this.pool = pool;
    this.heap = heap;
    this.kernels = kernels;
    this.smallWork = kernels.matmulSmallWork();
    this.narrow = kernels.matmulNarrow();
    this.scratchBytes = kernels.matmulScratchBytes();
    this.scratch = heap.reserve(this.scratchBytes);
    const lossAddress = heap.reserve(Float64Array.BYTES_PER_ELEMENT);
    if (this.scratch < 0 || lossAddress < 0) throw new Error('wasm backend: no room for the kernels\' buffers');
    this.lossSlot = new Float64Array(heap.current, lossAddress, 1);
  }

  /**
   * Zeroed float32s in the module's memory. When an unshared memory is full (or a shared one
   * reaches 4 GiB) this returns an ordinary Float32Array, which kernels copy in and out.
   */
  alloc(length: number): Float32Array {
    // Memory a collected tensor gave back may be handed out again: not while a gather posted
    // ahead may still write to it (see pixelsToFloatsAhead).
    this.pool?.settle();
    return this.heap.alloc(length) ?? new Float32Array(length);
  }

  /** heap.reserve, once no gather posted ahead can still write into what it hands out. */
  private reserve(bytes: number): number {
    this.pool?.settle();
    return this.heap.reserve(bytes);
  }

  /** Stops the worker threads, if any; later products run on the calling thread alone. */
  dispose(): void {
    this.pool?.terminate();
    this.pool = undefined;
  }

  /** Bytes of the module's memory handed out and not yet garbage collected. */
  usedBytes(): number {
    return this.heap.usedBytes();
  }

  matmul(out: Tensor, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, accumulate = false): void {
    checkMatmul(out, a, b, transposeA, transposeB);
    const m = out.shape[0];
    const n = out.shape[1];
    const k = transposeA ? a.shape[0] : a.shape[1];
    if (!this.inside(out, a, b)) {
      this.staged('matmul', [out, a, b, transposeA, transposeB, accumulate], [out]);
      return;
    }
    const work = m * n * k;
    if ((m <= DOT_ROWS || (n <= this.narrow && work < THREADED_WORK)) && !transposeA && transposeB) {
      // One row (a digit through a layer) may share its neurons with the workers, even while the
      // cores are far apart (see FAR_PRODUCT_WORK in kernel-threads.ts).
      const pool = m === 1 && work >= THREADED_DOT ? this.pool : undefined;
      if (pool?.decide(DOT, work, true, true)) {
        pool.matmulDot(this.kernels, address(out), address(a), address(b), n, k, accumulate, this.scratch);
      } else {
        this.kernels.matmulDot(address(out), address(a), address(b), m, n, k, accumulate);
      }
      pool?.finish();
      return;
    }
    if (transposeA && !transposeB && k <= FEW_DEPTHS && work > this.smallWork) {
      this.kernels.matmulFewDepths(address(out), address(a), address(b), m, n, k, accumulate);
      return;
    }
    const pool = work >= THREADED_WORK ? this.pool : undefined;
    if (work > this.smallWork) {
      // Shares in 1024ths: whole numbers pass between functions without being boxed.
      const density = transposeA ? WHOLE : this.kernels.matmulRowsDensity(address(a), m, k);
      const transposedDensity =
        transposeA && !transposeB && k >= TRANSPOSED_DEPTH && m > TRANSPOSED_NARROWEST && n > this.narrow
          ? this.kernels.matmulRowsDensity(address(b), k, n)
          : WHOLE;
      if (density < (n > this.narrow ? ROWS_DENSITY : NARROW_ROWS_DENSITY)) {
        const done = this.rowList(
          pool, ROWS, address(out), address(a), address(b), m, n, k, density, false, transposeB, accumulate,
        );
        if (done) return;
      } else if (transposedDensity < ROWS_DENSITY) {
        // A weight gradient dyᵀ·x whose x is mostly zeros: computed as (xᵀ·dy)ᵀ, listing the
        // columns of x, into a buffer then transposed into place.
        const buffer = this.transposedFor(m * n);
        if (buffer >= 0) {
          if (accumulate) this.transpose(pool, buffer, address(out), m, n);
          if (k <= MOST_BLOCK_DEPTH && this.kernels.matmulPairsShare(address(b), n, k) < PAIRS_SHARE) {
            // The row-pair kernel transposes its rows into place itself.
            if (this.rowPairs(pool, buffer, address(b), address(a), n, m, k, accumulate, address(out))) return;
          } else if (this.rowList(
            pool, TRANSPOSED, buffer, address(b), address(a), n, m, k, transposedDensity, true, false, accumulate,
          )) {
            this.transpose(pool, address(out), buffer, n, m);
            return;
          }
        }
      }
    }
    if (pool?.decide(PANELS, work, true)) {
      pool!.matmul(
        this.kernels, address(out), address(a), address(b), m, n, k, transposeA, transposeB, accumulate, this.scratch,
      );
    } else {
      this.kernels.matmul(
        address(out), address(a), address(b), m, n, k, transposeA, transposeB, accumulate, this.scratch, 0, m, 0, n,
      );
    }
    pool?.finish();
  }

  /**
   * out = op(a)·op(b) by the row-list kernel (assembly/matmul-rows.as), shared with `pool`'s
   * threads when it finds that pays at call site `site`; false when there is no room for its
   * buffer, and nothing was done.
   */
  private rowList(
    pool: KernelThreads | undefined, site: number, out: number, a: number, b: number, m: number, n: number,
    k: number, density: number, transposeA: boolean, transposeB: boolean, accumulate: boolean,
  ): boolean {
    const packed = this.packedFor(this.kernels.matmulRowsPackedBytes(n, k));
    if (packed < 0) return false;
    const depth = rowsBlockDepth(k, density);
    if (pool?.decide(site, m * n * k, true)) {
      pool.matmulRows(
        this.kernels, out, a, b, m, n, k, depth, transposeA, transposeB, accumulate, packed, this.scratch,
      );
    } else {
      const panels = this.kernels.matmulRowsPanels(n);
      this.kernels.matmulRowsPack(b, n, k, depth, transposeB, packed, 0, panels);
      this.kernels.matmulRowsCompute(
        out, a, m, n, k, depth, transposeA, accumulate, packed, this.scratch, 0, m, 0, panels,
      );
    }
    pool?.finish();
    return true;
  }

  /**
   * transposed [n, m] = (aᵀ·b)ᵀ by the row-pair kernel (assembly/matmul-pairs.as), through
   * `buffer` [m, n] = aᵀ·b (or += when `accumulate`: buffer holds transposedᵀ), a [k, m] and
   * b [k, n] as stored, shared with `pool`'s threads when it finds that pays. Each strip of rows
   * is transposed into place by the thread that computed it, while it is in that thread's cache,
   * with no hand-over of its own. False when there is no room for the packed b, and nothing was
   * done.
   */
  private rowPairs(
    pool: KernelThreads | undefined, buffer: number, a: number, b: number, m: number, n: number, k: number,
    accumulate: boolean, transposed: number,
  ): boolean {
    const packed = this.packedFor(this.kernels.matmulPairsPackedBytes(n, k));
    if (packed < 0) return false;
    if (pool?.decide(PAIRS, m * n * k, true)) {
      pool.matmulPairs(this.kernels, buffer, a, b, m, n, k, accumulate, packed, transposed, this.scratch);
    } else {
      this.kernels.matmulPairsPack(b, n, k, packed, 0, this.kernels.matmulPairsPanels(n));
      this.kernels.matmulPairsCompute(buffer, a, m, n, k, accumulate, packed, this.scratch, 0, m);
      this.kernels.matmulTranspose(transposed, buffer, m, n, 0, m);
    }
    pool?.finish();
    return true;
  }

  /** out [cols, rows] = fromᵀ, shared with `pool`'s threads when it finds that pays. */
  private transpose(threads: KernelThreads | undefined, out: number, from: number, rows: number, cols: number): void {
    const pool = rows * cols >= THREADED_TRANSPOSE ? threads : undefined;
    if (pool?.decide(TRANSPOSE_SITE, rows * cols)) {
      pool.transpose(this.kernels, out, from, rows, cols, this.scratch);
    } else {
      this.kernels.matmulTranspose(out, from, rows, cols, 0, rows);
    }
    pool?.finish();
  }

  /**
   * The buffer for op(b) packed by the row-list or row-pair kernel (`bytes` of it), grown when a
   * product needs more; −1 when there is no room for it (a full unshared memory), and the main
   * kernel runs instead.
   */
  private packedFor(bytes: number): number {
    if (bytes > this.packedBytes) {
      if (this.packed >= 0) this.heap.release(this.packed);
      this.packed = this.reserve(bytes);
      this.packedBytes = this.packed < 0 ? 0 : bytes;
    }
    return this.packed;
  }

  /** A buffer of `length` floats for a product computed transposed; −1 when there is no room. */
  private transposedFor(length: number): number {
    if (length * 4 > this.transposedBytes) {
      if (this.transposed >= 0) this.heap.release(this.transposed);
      this.transposed = this.reserve(length * 4);
      this.transposedBytes = this.transposed < 0 ? 0 : length * 4;
    }
    return this.transposed;
  }

  addRowVector(out: Tensor, a: Tensor, row: Tensor): void {
    checkRowVector('addRowVector', a, row);
    checkSameShape('addRowVector', out, a);
    if (!this.inside(out, a, row)) return this.staged('addRowVector', [out, a, row], [out]);
    const rows = a.shape[0];
    if (this.shareRows(ADD_ROW_VECTOR, out.size, THREADED_ELEMENTS)) {
      this.pool!.rowWise(
        this.kernels, ADD_ROW_VECTOR, address(out), address(a), address(row), rows, row.size, 0, this.scratch,
      );
    } else {
      this.kernels.addRowVector(address(out), address(a), address(row), rows, row.size);
    }
    this.pool?.finish();
  }

  sumRows(out: Tensor, a: Tensor, accumulate = false): void {
    checkRowVector('sumRows', a, out);
    if (!this.inside(out, a)) return this.staged('sumRows', [out, a, accumulate], [out]);
    this.kernels.sumRows(address(out), address(a), a.shape[0], a.shape[1], accumulate);
  }

  multiply(out: Tensor, a: Tensor, b: Tensor): void {
    checkSameShape('multiply', out, a, b);
    if (!this.inside(out, a, b)) return this.staged('multiply', [out, a, b], [out]);
    this.kernels.multiply(address(out), address(a), address(b), out.size);
  }

  sigmoid(y: Tensor, x: Tensor): void {
    this.activation('sigmoid', y, x, this.kernels.sigmoid);
  }

  sigmoidBackward(dx: Tensor, dy: Tensor, y: Tensor): void {
    this.activationBackward('sigmoidBackward', dx, dy, y, this.kernels.sigmoidBackward);
  }

  tanh(y: Tensor, x: Tensor): void {
    this.activation('tanh', y, x, this.kernels.tanh);
  }

  tanhBackward(dx: Tensor, dy: Tensor, y: Tensor): void {
    this.activationBackward('tanhBackward', dx, dy, y, this.kernels.tanhBackward);
  }

  leakyRelu(y: Tensor, x: Tensor, slope: number): void {
    checkSameShape('leakyRelu', y, x);
    if (!this.inside(y, x)) return this.staged('leakyRelu', [y, x, slope], [y]);
    if (x.shape.length === 2 && this.shareRows(LEAKY_RELU, x.size, THREADED_ELEMENTS)) {
      this.pool!.rowWise(
        this.kernels, LEAKY_RELU, address(y), address(x), 0, x.shape[0], x.shape[1], slope, this.scratch,
      );
    } else {
      this.kernels.leakyRelu(address(y), address(x), x.size, slope);
    }
    this.pool?.finish();
  }

  leakyReluBackward(dx: Tensor, dy: Tensor, x: Tensor, slope: number): void {
    checkSameShape('leakyReluBackward', dx, dy, x);
    if (!this.inside(dx, dy, x)) return this.staged('leakyReluBackward', [dx, dy, x, slope], [dx]);
    this.kernels.leakyReluBackward(address(dx), address(dy), address(x), x.size, slope);
  }

  softmaxRows(y: Tensor, x: Tensor): void {
    checkMatrix('softmaxRows', 'x', x);
    checkSameShape('softmaxRows', y, x);
    if (!this.inside(y, x)) return this.staged('softmaxRows', [y, x], [y]);
    if (this.shareRows(SOFTMAX_ROWS, x.size, THREADED_EXPONENTIALS)) {
      this.pool!.rowWise(
        this.kernels, SOFTMAX_ROWS, address(y), address(x), 0, x.shape[0], x.shape[1], 0, this.scratch,
      );
    } else {
      this.kernels.softmaxRows(address(y), address(x), x.shape[0], x.shape[1]);
    }
    this.pool?.finish();
  }

  /**
   * Whether a row-wise kernel call over `size` values should be shared with the threads (the
   * caller then calls the pool's finish()).
   */
  private shareRows(kind: RowWiseKind, size: number, threshold: number): boolean {
    const site = ROW_WISE_SITE + kind - ADD_ROW_VECTOR;
    return size >= threshold && this.pool !== undefined && this.pool.decide(site, size);
  }

  softmaxRowsBackward(dx: Tensor, dy: Tensor, y: Tensor): void {
    checkMatrix('softmaxRowsBackward', 'y', y);
    checkSameShape('softmaxRowsBackward', dx, dy, y);
    if (!this.inside(dx, dy, y)) return this.staged('softmaxRowsBackward', [dx, dy, y], [dx]);
    this.kernels.softmaxRowsBackward(address(dx), address(dy), address(y), y.shape[0], y.shape[1]);
  }

  meanSquaredError(loss: Float64Array, dy: Tensor, y: Tensor, target: Tensor): void {
    checkLossSlot('meanSquaredError', loss);
    checkMatrix('meanSquaredError', 'y', y);
    checkSameShape('meanSquaredError', dy, y, target);
    if (!this.inside(dy, y, target)) return this.staged('meanSquaredError', [loss, dy, y, target], [dy]);
    const slot = this.lossSlot;
    this.kernels.meanSquaredError(slot.byteOffset, address(dy), address(y), address(target), y.shape[0], y.shape[1]);
    loss[0] = slot[0];
  }

  softmaxCrossEntropy(
    loss: Float64Array, dLogits: Tensor, probabilities: Tensor, logits: Tensor, target: Tensor,
  ): void {
    this.crossEntropy('softmaxCrossEntropy', 'dLogits', 'logits', loss, dLogits, probabilities, logits, target);
  }

  sigmoidCrossEntropy(loss: Float64Array, dz: Tensor, activations: Tensor, z: Tensor, target: Tensor): void {
    this.crossEntropy('sigmoidCrossEntropy', 'dz', 'z', loss, dz, activations, z, target);
  }

  dropoutMask(mask: Tensor, rate: number, random: Random): void {
    // One draw per element from a JS Random, in order, exactly as the reference does.
    checkFloat32(this.name, mask);
    this.reference.dropoutMask(mask, rate, random);
  }

  sgdStep(value: Tensor, grad: Tensor, velocity: Tensor, options: SgdStepOptions): void {
    checkSameShape('sgdStep', value, grad, velocity);
    if (!this.inside(value, grad, velocity)) {
      return this.staged('sgdStep', [value, grad, velocity, options], [value, velocity]);
    }
    const { learningRate, momentum, nesterov, weightDecay } = options;
    const pool = value.size >= THREADED_PARAMETERS ? this.pool : undefined;
    if (pool?.decide(SGD, value.size)) {
      pool.sgdStep(
        this.kernels, address(value), address(grad), address(velocity), value.size, learningRate, momentum, nesterov,
        weightDecay, this.scratch,
      );
    } else {
      this.kernels.sgdStep(
        address(value), address(grad), address(velocity), value.size, learningRate, momentum, nesterov, weightDecay,
      );
    }
    pool?.finish();
  }

  adamStep(value: Tensor, grad: Tensor, m: Tensor, v: Tensor, options: AdamStepOptions): void {
    checkSameShape('adamStep', value, grad, m, v);
    if (!this.inside(value, grad, m, v)) {
      return this.staged('adamStep', [value, grad, m, v, options], [value, m, v]);
    }
    const { learningRate, beta1, beta2, epsilon, weightDecay, step } = options;
    this.kernels.adamStep(
      address(value), address(grad), address(m), address(v), value.size, learningRate, beta1, beta2,
      epsilon, weightDecay, 1 - Math.pow(beta1, step), 1 - Math.pow(beta2, step),
    );
  }

  argmaxRows(out: Int32Array, x: Tensor): void {
    // A few numbers per example: a plain loop costs less than a call into WebAssembly would,
    // and it writes an Int32Array that need not live in the module's memory.
    checkMatrix('argmaxRows', 'x', x);
    checkFloat32(this.name, x);
    const rows = x.shape[0];
    const n = x.shape[1];
    if (out.length < rows) {
      throw new RangeError(`argmaxRows: out holds ${out.length} indices, x ${describe(x)} needs ${rows}`);
    }
    const data = x.data;
    for (let i = 0; i < rows; i++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let j = 0; j < n; j++) {
        if (data[i * n + j] > bestValue) {
          best = j;
          bestValue = data[i * n + j];
        }
      }
      out[i] = best;
    }
  }

  deskew(y: Tensor, x: Tensor, width: number, height: number): void {
    checkDeskew(y, x, width, height);
    if (!this.inside(y, x)) return this.staged('deskew', [y, x, width, height], [y]);
    const rows = x.shape[0];
    const pool = rows >= THREADED_IMAGES ? this.pool : undefined;
    if (pool?.decide(DESKEW, rows)) {
      pool.deskew(this.kernels, address(y), address(x), rows, width, height, this.scratch);
    } else {
      this.kernels.deskew(address(y), address(x), rows, width, height, this.scratch, this.scratchBytes);
    }
    pool?.finish();
  }

  pixelsToFloats(out: Tensor, pixels: Uint8Array, rows?: Int32Array, first = 0): void {
    checkPixels(out, pixels, rows, first);
    if (this.ahead.out >= 0) {
      // The gather posted ahead is this one when it wrote the same images into the same place;
      // it may be done already (any job since waited for it).
      const done = rows !== undefined && this.isAhead(out, pixels, rows, first);
      this.ahead.out = -1;
      this.pool?.settle();
      if (done) return;
    }
    // Bytes outside the module's memory would need a copy as large as the work: the reference
    // converts them where they are.
    if (!this.inside(out) || !this.heap.owns(pixels)) return this.reference.pixelsToFloats(out, pixels, rows, first);
    if (rows === undefined) {
      this.kernels.pixelsToFloats(address(out), pixels.byteOffset, out.size);
      return;
    }
    const count = out.shape[0];
    const gathered = (this.gatherRows = this.rowNumbersFor(this.gatherRows, count));
    if (gathered === undefined) return this.reference.pixelsToFloats(out, pixels, rows, first);
    for (let i = 0; i < count; i++) gathered[i] = rows[first + i];
    const width = out.shape[1];
    const pool = count * width >= THREADED_GATHER ? this.pool : undefined;
    if (pool?.decide(GATHER, count * width)) {
      pool.gatherPixels(this.kernels, address(out), pixels.byteOffset, gathered.byteOffset, count, width, this.scratch);
    } else {
      this.kernels.gatherPixels(address(out), pixels.byteOffset, gathered.byteOffset, count, width);
    }
    pool?.finish();
  }

  /**
   * Starts pixelsToFloats(out, pixels, rows, first) on a worker thread and returns at once, when
   * there is one and the batch is large enough; the main thread meanwhile goes on with the step
   * in progress. The same pixelsToFloats call later waits for it (or finishes it) and returns.
   * Training on 2 threads posts the next batch's gather after each forward pass, so that the
   * worker, idle while the main thread computes the last layers and the loss, fetches those
   * scattered images then.
   */
  pixelsToFloatsAhead(out: Tensor, pixels: Uint8Array, rows: Int32Array, first = 0): void {
    checkPixels(out, pixels, rows, first);
    const pool = this.pool;
    if (pool === undefined || pool.farCores || !this.inside(out) || !this.heap.owns(pixels)) return;
    const count = out.shape[0];
    const width = out.shape[1];
    if (count * width < THREADED_GATHER) return;
    // A gather still pending reads aheadRows, which this one is about to overwrite.
    pool.settle();
    this.ahead.out = -1;
    const ahead = (this.aheadRows = this.rowNumbersFor(this.aheadRows, count));
    if (ahead === undefined) return;
    for (let i = 0; i < count; i++) ahead[i] = rows[first + i];
    this.ahead.out = address(out);
    this.ahead.count = count;
    this.ahead.width = width;
    this.ahead.pixels = pixels.byteOffset;
    this.ahead.pixelsLength = pixels.length;
    pool.gatherPixelsAhead(this.kernels, address(out), pixels.byteOffset, ahead.byteOffset, count, width, this.scratch);
  }

  /** Whether the pending gather posted ahead is pixelsToFloats(out, pixels, rows, first). */
  private isAhead(out: Tensor, pixels: Uint8Array, rows: Int32Array, first: number): boolean {
    const ahead = this.ahead;
    const count = out.shape[0];
    if (ahead.out !== address(out) || ahead.count !== count || ahead.width !== out.shape[1]) return false;
    if (ahead.pixels !== pixels.byteOffset || ahead.pixelsLength !== pixels.length || !this.inside(out)) return false;
    const aheadRows = this.aheadRows!;
    for (let i = 0; i < count; i++) if (aheadRows[i] !== rows[first + i]) return false;
    return true;
  }

  /**
   * Room in this memory for `count` row numbers: `held` (gatherRows or aheadRows), or a larger
   * block in its place; undefined when there is no room.
   */
  private rowNumbersFor(held: Int32Array | undefined, count: number): Int32Array | undefined {
    if (held !== undefined && held.length >= count) return held;
    if (held !== undefined) this.heap.release(held.byteOffset);
    const address = this.reserve(count * Int32Array.BYTES_PER_ELEMENT);
    return address < 0 ? undefined : new Int32Array(this.heap.current, address, count);
  }

  /** y = f(x) elementwise, by `kernel`. */
  private activation(
    name: 'sigmoid' | 'tanh', y: Tensor, x: Tensor, kernel: (y: number, x: number, count: number) => void,
  ): void {
    checkSameShape(name, y, x);
    if (!this.inside(y, x)) return this.staged(name, [y, x], [y]);
    kernel(address(y), address(x), x.size);
  }

  /** dx = dy ⊙ f′ given f's output y, elementwise, by `kernel`. */
  private activationBackward(
    name: 'sigmoidBackward' | 'tanhBackward', dx: Tensor, dy: Tensor, y: Tensor,
    kernel: (dx: number, dy: number, y: number, count: number) => void,
  ): void {
    checkSameShape(name, dx, dy, y);
    if (!this.inside(dx, dy, y)) return this.staged(name, [dx, dy, y], [dx]);
    kernel(address(dx), address(dy), address(y), y.size);
  }

  /**
   * A fused cross-entropy: writes the gradient, the squashed outputs and loss[0].
   * `gradientName` and `inputsName` are their names in the interface, for error messages.
   */
  private crossEntropy(
    name: 'softmaxCrossEntropy' | 'sigmoidCrossEntropy', gradientName: string, inputsName: string,
    loss: Float64Array, gradient: Tensor, outputs: Tensor, inputs: Tensor, target: Tensor,
  ): void {
    checkLossSlot(name, loss);
    checkMatrix(name, inputsName, inputs);
    checkSameShape(name, gradient, outputs, inputs, target);
    if (gradient.data === inputs.data || gradient.data === outputs.data) {
      throw new RangeError(`${name}: ${gradientName} must not share memory with its inputs`);
    }
    if (!this.inside(gradient, outputs, inputs, target)) {
      const args: Parameters<Backend[typeof name]> = [loss, gradient, outputs, inputs, target];
      return this.staged(name, args, [gradient, outputs]);
    }
    const rows = inputs.shape[0];
    const n = inputs.shape[1];
    const slot = this.lossSlot;
    const g = address(gradient);
    const o = address(outputs);
    const x = address(inputs);
    const t = address(target);
    if (name === 'softmaxCrossEntropy') {
      // The scratch keeps each row's exponentials between two passes.
      this.kernels.softmaxCrossEntropy(slot.byteOffset, g, o, x, t, rows, n, this.scratch, this.scratchBytes);
    } else {
      this.kernels.sigmoidCrossEntropy(slot.byteOffset, g, o, x, t, rows, n);
    }
    loss[0] = slot[0];
  }

  /**
   * Whether every tensor given lives in the module's memory. Throws for float64 tensors, which
   * only the reference backend runs.
   */
  private inside(a: Tensor, b?: Tensor, c?: Tensor, d?: Tensor): boolean {
    const current = this.heap.current;
    if (
      a.data.buffer === current && (b === undefined || b.data.buffer === current) &&
      (c === undefined || c.data.buffer === current) && (d === undefined || d.data.buffer === current)
    ) {
      return true;
    }
    // Tensors made before the memory last grew view its older buffer: they are inside too.
    // One by one, with no array of them: every kernel call of a network made before a dataset
    // was read into the memory comes here (an array a call allocated 760 bytes a W1 step).
    const insideA = this.owned(a);
    const insideB = b === undefined || this.owned(b);
    const insideC = c === undefined || this.owned(c);
    const insideD = d === undefined || this.owned(d);
    return insideA && insideB && insideC && insideD;
  }

  /** Whether t lives in the module's memory; throws for float64 tensors (see inside). */
  private owned(t: Tensor): boolean {
    checkFloat32(this.name, t);
    return this.heap.owns(t.data);
  }

  /**
   * Runs kernel `name` on copies, in the module's memory, of the tensors that live elsewhere,
   * then copies the `outputs` back. An array passed twice (y = x) is copied once, so aliasing
   * works as it does in place. When there is no room for the copies (an unshared memory is
   * full) the reference backend runs the kernel instead.
   */
  private staged<K extends KernelName>(name: K, args: Parameters<Backend[K]>, outputs: readonly Tensor[]): ReturnType<Backend[K]> {
    const copies = new Map<Floats, Tensor>();
    const blocks: number[] = [];
    let room = true;
    const stagedArgs = args.map((arg) => {
      if (!(arg instanceof Tensor) || this.heap.owns(arg.data) || !room) return arg;
      const known = copies.get(arg.data);
      if (known !== undefined) return known;
      const block = this.reserve(arg.data.byteLength);
      if (block < 0) {
        room = false;
        return arg;
      }
      blocks.push(block);
      const view = new Float32Array(this.heap.current, block, arg.data.length);
      view.set(arg.data);
      const copy = new Tensor(arg.shape, view);
      copies.set(arg.data, copy);
      return copy;
    });
    try {
      const target: Backend = room ? this : this.reference;
      const kernel = target[name] as (...kernelArgs: unknown[]) => ReturnType<Backend[K]>;
      const result = kernel.apply(target, room ? stagedArgs : args);
      if (room) for (const output of outputs) output.data.set(copies.get(output.data)?.data ?? output.data);
      return result;
    } finally {
      for (const block of blocks) this.heap.release(block);
    }
  }
}

type KernelName = Exclude<keyof Backend, 'name' | 'alloc'>;

/**
 * The row-list kernel's depths per block, for a product of depth k whose a holds non-zero values
 * in `density` 1024ths of its places: equal blocks (no sliver), each giving a row's tile about
 * ENTRIES_PER_BLOCK values, and no deeper than MOST_BLOCK_DEPTH. A block's panels are read at
 * the depths its rows list: deep blocks leave them in the L2 cache, shallow ones cost each row's
 * tile a start per block (loading and storing its sums). 1 thread, best of 11, against one
 * fixed depth for all: MNIST digits (19% ink, 784 depths) are fastest in one block (10,000 × 784
 * → 128 17.9 ms, against 20.8 in blocks of 392 and 22.1 of 196), ReLU outputs (half zeros, 512
 * depths) in blocks of 256 (128 × 512 → 512: 1264 µs, against 1433 in one block).
 */
function rowsBlockDepth(k: number, density: number): number {
  const entries = (k * density) / WHOLE;
  const blocks = Math.max(Math.ceil(k / MOST_BLOCK_DEPTH), Math.round(entries / ENTRIES_PER_BLOCK), 1);
  return Math.ceil(k / blocks);
}

function address(t: Tensor): number {
  return t.data.byteOffset;
}

function checkFloat32(backend: string, t: Tensor): void {
  if (!(t.data instanceof Float32Array)) {
    throw new TypeError(
      `${backend}: tensor ${t} holds ${t.data.constructor.name}; this backend runs float32 only ` +
        `(float64 runs on new ReferenceBackend({ precision: 'float64' }))`,
    );
  }
}

/** Threads for 'auto': the cores Node reports, up to MOST_AUTO_THREADS; 1 outside Node. */
function automaticThreads(): number {
  const nodeProcess = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (nodeProcess?.versions?.node === undefined) return 1;
  const os = nodeBuiltin<{ availableParallelism?: () => number }>('node:os');
  const cores = os?.availableParallelism?.() ?? 1;
  return Math.max(1, Math.min(cores, MOST_AUTO_THREADS));
}

function sharedMemoryAllowed(): boolean {
  // Browsers allow shared memory only in cross-origin isolated pages; Node always does.
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (typeof SharedArrayBuffer !== 'function' || isolated === false) return false;
  try {
    createMemory(true, 1);
    return true;
  } catch {
    return false;
  }
}
