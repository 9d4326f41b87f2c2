/**
 * The numbers a layer reads and writes, row-major and batch first.
 *
 * Most tensors hold float32. The reference backend also runs on float64, which is what the
 * gradient check uses, so `data` may be either. A tensor only describes memory; the maths on it
 * lives in the backend's kernels.
 */
export type Floats = Float32Array | Float64Array;

export class Tensor {
  readonly shape: readonly number[];
  readonly data: Floats;

  constructor(shape: readonly number[], data: Floats) {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new RangeError(
        `Tensor: shape [${shape.join(', ')}] needs ${size} numbers, but data holds ${data.length}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Rows of a 2-D tensor (the batch size for activations). */
  get rows(): number {
    return this.shape[0];
  }

  /** Columns of a 2-D tensor (features per example). */
  get columns(): number {
    return this.shape.length > 1 ? this.shape[this.shape.length - 1] : 1;
  }

  toString(): string {
    return `Tensor[${this.shape.join(', ')}]`;
  }
}

/** The number of elements a shape holds; every dimension must be a whole number ≥ 0. */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  // An indexed loop: for...of over a frozen shape allocates an iterator on every call, and
  // layers call this (through reuseTensor) on every batch.
  for (let i = 0; i < shape.length; i++) {
    const dimension = shape[i];
    if (!Number.isInteger(dimension) || dimension < 0) {
      throw new RangeError(`Tensor: bad dimension ${dimension} in shape [${shape.join(', ')}]`);
    }
    size *= dimension;
  }
  return size;
}

/** Anything that can hand out memory its kernels use without copying: every Backend. */
export interface Allocator {
  alloc(length: number): Floats;
}

/**
 * Returns a tensor of `shape`, reusing `previous`'s memory when it is big enough.
 *
 * Layers keep their buffers between batches and call this on every forward pass: it allocates
 * only when a batch is larger than any seen before, so steady-state training allocates nothing.
 * A buffer remembers the tensors it has been viewed as (see viewsOf), so that going back to an
 * earlier shape, as fit does after each epoch's shorter last batch, builds no new tensor either.
 * The memory may hold old numbers; callers overwrite it.
 */
export function reuseTensor(
  allocator: Allocator,
  previous: Tensor | undefined,
  shape: readonly number[],
): Tensor {
  const size = shapeSize(shape);
  if (previous !== undefined && sameShape(previous.shape, shape)) return previous;
  const capacity = previous === undefined ? undefined : capacityOf.get(previous);
  if (capacity !== undefined && capacity.length >= size) {
    const views = viewsOf.get(capacity)!;
    for (let i = 0; i < views.length; i++) if (sameShape(views[i].shape, shape)) return views[i];
    return addView(capacity, new Tensor(shape, capacity.subarray(0, size)));
  }
  const memory = allocator.alloc(size);
  viewsOf.set(memory, []);
  return addView(memory, new Tensor(shape, memory));
}

/** The whole buffer behind a reused tensor, which may be longer than the tensor itself. */
const capacityOf = new WeakMap<Tensor, Floats>();
/**
 * The tensors made on each buffer by reuseTensor, newest last: a few shapes at most (a batch
 * size and the last batch's), kept so that each shape's tensor is built once.
 */
const viewsOf = new WeakMap<Floats, Tensor[]>();
/** Shapes a buffer remembers; beyond them the oldest is forgotten. */
const MOST_VIEWS = 4;

function addView(capacity: Floats, tensor: Tensor): Tensor {
  const views = viewsOf.get(capacity)!;
  if (views.length === MOST_VIEWS) views.shift();
  views.push(tensor);
  capacityOf.set(tensor, capacity);
  return tensor;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
