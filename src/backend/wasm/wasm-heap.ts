const PAGE_BYTES = 65536;
/** The most pages a 32-bit WebAssembly memory can have (4 GiB); also the kernels' declared maximum. */
const MAXIMUM_PAGES = 65536;
/** Blocks start on 64-byte boundaries: cache lines, and whole SIMD vectors. */
const ALIGNMENT = 64;

/**
 * A WebAssembly memory for the kernels. Shared memory grows without detaching the Float32Arrays
 * already handed out, and lets worker threads run kernels on it: it starts at `bytes` and may
 * grow to 4 GiB. Unshared memory would detach them on growth, so it never grows: it reserves
 * `bytes` up front, or half as much, and so on down to 8 MiB, when a browser will not grant that.
 */
export function createMemory(shared: boolean, bytes: number): WebAssembly.Memory {
  for (let pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES)); ; pages = Math.ceil(pages / 2)) {
    try {
      return new WebAssembly.Memory(
        shared ? { initial: pages, maximum: MAXIMUM_PAGES, shared: true } : { initial: pages, maximum: pages },
      );
    } catch (error) {
      if (shared || pages <= 128) throw error;
    }
  }
}

/**
 * The WebAssembly memory the kernels run on, and a first-fit allocator over it that hands out
 * zeroed Float32Arrays viewing it, so that kernels read and write tensors without copying.
 *
 * Memory comes back when the array that alloc returned is garbage collected (a
 * FinalizationRegistry frees its block). An array made from it with subarray() does not keep the
 * block alive, so keep the array alloc returned, as reuseTensor does.
 */
export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  /** The buffer views are made on now; a shared memory has a new buffer object after growth. */
  current: ArrayBufferLike;
  /** Every buffer object this memory has had (old shared buffers still view the same memory). */
  private readonly buffers = new Set<ArrayBufferLike>();
  /** Free blocks as [start, end) byte ranges, sorted by start, never adjacent. */
  private readonly free: Array<{ start: number; end: number }> = [];
  private readonly finalizer = new FinalizationRegistry<number>((address) => this.release(address));
  private readonly sizes = new Map<number, number>();

  /**
   * @param memory from createMemory
   * @param heapBase the first byte the module itself does not use (its static data ends there)
   */
  constructor(memory: WebAssembly.Memory, shared: boolean, heapBase: number) {
    this.memory = memory;
    this.shared = shared;
    this.current = memory.buffer;
    this.buffers.add(this.current);
    this.free.push({ start: roundUp(heapBase, ALIGNMENT), end: this.current.byteLength });
  }

  /** Whether `data` views this memory (made before or after any growth). */
  owns(data: ArrayBufferView): boolean {
    return data.buffer === this.current || this.buffers.has(data.buffer);
  }

  /**
   * `length` zeroed float32s in this memory, or undefined when an unshared memory is full or a
   * shared one cannot grow any more. Freed when the returned array is garbage collected.
   */
  alloc(length: number): Float32Array | undefined {
    const address = this.reserve(length * 4);
    if (address < 0) return undefined;
    const view = new Float32Array(this.current, address, length);
    this.finalizer.register(view, address);
    return view;
  }

  /** A zeroed block of `bytes` for the caller to release; −1 when there is no room. */
  reserve(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGNMENT);
    let address = this.take(size);
    if (address < 0 && this.grow(size)) address = this.take(size);
    if (address < 0) return -1;
    this.sizes.set(address, size);
    new Uint8Array(this.current, address, size).fill(0);
    return address;
  }

  /** Returns a block from reserve() (or alloc()) to the free list, merging it with its neighbours. */
  release(address: number): void {
    const size = this.sizes.get(address);
    if (size === undefined) return;
    this.sizes.delete(address);
    this.insertFree(address, address + size);
  }

  /** Bytes currently handed out, for tests and diagnostics. */
  usedBytes(): number {
    let used = 0;
    for (const size of this.sizes.values()) used += size;
    return used;
  }

  private take(size: number): number {
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.end - block.start < size) continue;
      const address = block.start;
      block.start += size;
      if (block.start === block.end) this.free.splice(i, 1);
      return address;
    }
    return -1;
  }

  private grow(size: number): boolean {
    if (!this.shared) return false;
    const oldEnd = this.current.byteLength;
    // Grow by at least half again, so that many small allocations do not grow one page at a time.
    const pages = Math.max(Math.ceil(size / PAGE_BYTES), Math.ceil(oldEnd / PAGE_BYTES / 2));
    const available = MAXIMUM_PAGES - oldEnd / PAGE_BYTES;
    for (const attempt of [Math.min(pages, available), Math.ceil(size / PAGE_BYTES)]) {
      if (attempt <= 0 || attempt > available) continue;
      try {
        this.memory.grow(attempt);
      } catch {
        continue;
      }
      this.current = this.memory.buffer;
      this.buffers.add(this.current);
      this.insertFree(oldEnd, this.current.byteLength);
      return true;
    }
    return false;
  }

  private insertFree(start: number, end: number): void {
    let i = 0;
    while (i < this.free.length && this.free[i].start < start) i++;
    const before = this.free[i - 1];
    const after = this.free[i];
    if (before !== undefined && before.end === start) {
      before.end = end;
      if (after !== undefined && after.start === end) {
        before.end = after.end;
        this.free.splice(i, 1);
      }
    } else if (after !== undefined && after.start === end) {
      after.start = start;
    } else {
      this.free.splice(i, 0, { start, end });
    }
  }
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
