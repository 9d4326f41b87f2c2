import type { Backend } from '../backend/backend.js';
import type { Floats, Tensor } from '../tensor.js';
import { fillOneHot, type Dataset } from './dataset.js';

/**
 * Greyscale images kept as bytes, scaled to [0, 1] one batch at a time. MNIST's 60,000 training
 * digits stay 47 MB this way instead of 188 MB as float32.
 */
export class ImageDataset implements Dataset {
  readonly length: number;
  readonly inputSize: number;
  readonly classes: number;
  /** The pixels four at a time (only to find the all-zero groups), or undefined when unaligned. */
  private readonly words: Uint32Array | undefined;
  /** One image of zeros, to clear a row of a batch. */
  private readonly zeros: Float32Array;
  /**
   * A batch's bytes, gathered in the memory of the backend that converts them (see fillBatch):
   * that backend, the floats it lent (kept, or it would take them back), and two views of them.
   */
  private stage: { backend: Backend; floats: Floats; words: Uint32Array; bytes: Uint8Array } | undefined;
  /** The backend whose memory holds the pixels (see the constructor's options), if any. */
  readonly backend: Backend | undefined;
  /**
   * The floats that backend lent, which the pixels view: referenced for as long as the dataset
   * (and its slices), since a backend takes its memory back once what it lent is collected.
   */
  private readonly memory: Floats | undefined;

  /**
   * pixels: `length` images of `inputSize` bytes each, one after the other (0 = background);
   * labels: one byte per image, each below `classes`. options.backend: the backend from whose
   * memory the pixels were read, options.memory what its alloc lent for them (the pixels are a
   * view of it); fillBatch with that backend then gathers each batch straight from them, in one
   * kernel call (loadMnistFiles in the CLI reads files that way).
   */
  constructor(
    readonly pixels: Uint8Array,
    readonly labels: Uint8Array,
    inputSize: number,
    classes = 10,
    options: { backend?: Backend; memory?: Floats } = {},
  ) {
    if (!Number.isInteger(inputSize) || inputSize < 1) {
      throw new RangeError(`ImageDataset: inputSize must be a whole number ≥ 1, got ${inputSize}`);
    }
    if (pixels.length !== labels.length * inputSize) {
      throw new RangeError(
        `ImageDataset: ${labels.length} labels need ${labels.length * inputSize} pixels, got ${pixels.length}`,
      );
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] >= classes) {
        throw new RangeError(`ImageDataset: label ${i} is ${labels[i]}, but there are only ${classes} classes`);
      }
    }
    this.length = labels.length;
    this.inputSize = inputSize;
    this.classes = classes;
    this.backend = options.backend;
    this.memory = options.memory;
    this.zeros = new Float32Array(inputSize);
    // A 32-bit view of the same bytes, when every image starts on a 4-byte boundary.
    if (pixels.byteOffset % 4 === 0 && inputSize % 4 === 0) {
      this.words = new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >> 2);
    }
  }

  label(i: number): number {
    return this.labels[i];
  }

  /** The first `count` images (or the images from `start`), sharing memory with this dataset. */
  slice(start: number, end: number): ImageDataset {
    return new ImageDataset(
      this.pixels.subarray(start * this.inputSize, end * this.inputSize),
      this.labels.subarray(start, end),
      this.inputSize,
      this.classes,
      { backend: this.backend, memory: this.memory },
    );
  }

  fillBatch(
    indices: Int32Array, start: number, x: Tensor, target: Tensor, labels: Int32Array, backend?: Backend,
  ): void {
    // Through the backend only into float32s: the kernel writes the float nearest each quotient,
    // which in float64 would not be the float32 values a batch holds otherwise.
    if (backend !== undefined && backend === this.backend && x.data instanceof Float32Array) {
      // The pixels lie in the backend's memory: one call gathers and scales the batch. Batches
      // of 64 shuffled MNIST digits, 1 thread: 348-350 ns a digit, against 697-721 copying the
      // bytes in TypeScript first (fillThrough).
      backend.pixelsToFloats(x, this.pixels, indices, start);
      for (let i = 0; i < x.rows; i++) labels[i] = this.labels[indices[start + i]];
      fillOneHot(target, labels, x.rows);
      return;
    }
    if (backend !== undefined && this.words !== undefined && x.data instanceof Float32Array) {
      this.fillThrough(backend, this.words, indices, start, x, target, labels);
      return;
    }
    const rows = x.rows;
    const size = this.inputSize;
    // Locals rather than property reads inside the loop: this runs for every pixel of every
    // batch, and on small networks it is a large share of a training step.
    const pixels = this.pixels;
    const words = this.words;
    const zeros = this.zeros;
    const out = x.data;
    const touched = this.fetch(indices, start, rows);
    for (let i = 0; i < rows; i++) {
      const example = indices[start + i];
      const from = example * size;
      const to = i * size;
      if (words === undefined) {
        for (let p = 0; p < size; p++) out[to + p] = pixelScale[pixels[from + p]];
      } else {
        // Most of a digit is background: zero the row, then scale only the groups of four
        // pixels that hold some ink, found four at a time through the 32-bit view. Copying
        // zeros in is twice as fast as fill(0) on the arrays of a shared WebAssembly memory.
        out.set(zeros, to + (touched & 0));
        const first = from >> 2;
        for (let w = 0; w < size >> 2; w++) {
          if (words[first + w] === 0) continue;
          const p = w << 2;
          out[to + p] = pixelScale[pixels[from + p]];
          out[to + p + 1] = pixelScale[pixels[from + p + 1]];
          out[to + p + 2] = pixelScale[pixels[from + p + 2]];
          out[to + p + 3] = pixelScale[pixels[from + p + 3]];
        }
      }
      labels[i] = this.labels[example];
    }
    fillOneHot(target, labels, rows);
  }

  /**
   * Starts the gather fillBatch(indices, start, x, …, backend) will do, when it will be the one
   * kernel call above (the pixels lie in that backend's memory): see Backend.pixelsToFloatsAhead.
   */
  fillBatchAhead(indices: Int32Array, start: number, x: Tensor, backend: Backend): void {
    if (backend === this.backend && x.data instanceof Float32Array) {
      backend.pixelsToFloatsAhead(x, this.pixels, indices, start);
    }
  }

  /**
   * fillBatch through a backend: the batch's bytes are copied four at a time into memory the
   * backend lent, and its pixelsToFloats kernel scales them into x. Scaling in plain TypeScript
   * costs a lookup and a store per inked pixel; this, a copy of four bytes at a time and the
   * kernel's sixteen (W2, the video network, 1 thread: 0.249 → 0.215-0.23 s an epoch).
   */
  private fillThrough(
    backend: Backend, words: Uint32Array, indices: Int32Array, start: number, x: Tensor, target: Tensor,
    labels: Int32Array,
  ): void {
    const rows = x.rows;
    const size = this.inputSize;
    const stage = this.stageFor(backend, rows * size);
    const to = stage.words;
    const touched = this.fetch(indices, start, rows);
    const wordsPerImage = size >> 2;
    for (let i = 0; i < rows; i++) {
      const example = indices[start + i];
      const from = (example * size) >> 2;
      const at = i * wordsPerImage + (touched & 0);
      for (let w = 0; w < wordsPerImage; w++) to[at + w] = words[from + w];
      labels[i] = this.labels[example];
    }
    backend.pixelsToFloats(x, stage.bytes);
    fillOneHot(target, labels, rows);
  }

  /**
   * Reads a byte of every cache line of the batch's images and returns them or-ed together (for
   * the caller to use, so that no compiler drops the reads). The images lie at random places in
   * tens of megabytes: asked for all at once, the processor fetches their lines together rather
   * than one after another as the copying reaches them.
   */
  private fetch(indices: Int32Array, start: number, rows: number): number {
    const pixels = this.pixels;
    const size = this.inputSize;
    let touched = 0;
    for (let i = 0; i < rows; i++) {
      const from = indices[start + i] * size;
      for (let p = 0; p < size; p += 64) touched |= pixels[from + p];
    }
    return touched;
  }

  /** The stage for `bytes` bytes on `backend`, made (or grown) on first use. */
  private stageFor(backend: Backend, bytes: number): NonNullable<ImageDataset['stage']> {
    const stage = this.stage;
    if (stage !== undefined && stage.backend === backend && stage.bytes.length >= bytes) return stage;
    const floats = backend.alloc(Math.ceil(bytes / 4));
    this.stage = {
      backend,
      floats,
      words: new Uint32Array(floats.buffer, floats.byteOffset, floats.byteLength >> 2),
      bytes: new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength),
    };
    return this.stage;
  }
}

/** byte / 255 for every byte value, looked up rather than divided per pixel. */
const pixelScale = Float32Array.from({ length: 256 }, (_, byte) => byte / 255);
