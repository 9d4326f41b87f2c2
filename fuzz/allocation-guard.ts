/**
 * Catches any single allocation larger than a limit while the fuzzer runs a case, so that "a
 * declared size of 4 billion must not allocate 4 billion" is checked, not hoped for: a typed
 * array, ArrayBuffer or Buffer asked for more than the limit throws at once (before the memory
 * is taken) and the case is recorded as a failure even if the reader catches the throw.
 *
 * It replaces the global typed-array constructors with checking subclasses; `instanceof` still
 * answers for arrays made before or elsewhere. Code reads these globals when it runs, so the
 * readers under test are covered; native internals (zlib's buffers) are not.
 */
export interface AllocationGuard {
  /** Largest single allocation seen since the last reset, in bytes. */
  largest: number;
  /** Allocations over the limit since the last reset, with where they came from. */
  violations: string[];
  reset(): void;
  uninstall(): void;
}

const typedArrayNames = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
] as const;

type Constructor = new (...args: unknown[]) => object;

export function installAllocationGuard(limitBytes: number): AllocationGuard {
  const globals = globalThis as unknown as Record<string, Constructor>;
  const originals = new Map<string, Constructor>();
  const guard: AllocationGuard = {
    largest: 0,
    violations: [],
    reset() {
      guard.largest = 0;
      guard.violations = [];
    },
    uninstall() {
      for (const [name, original] of originals) globals[name] = original;
      Buffer.alloc = bufferAlloc;
      Buffer.allocUnsafe = bufferAllocUnsafe;
      Buffer.allocUnsafeSlow = bufferAllocUnsafeSlow;
    },
  };
  const check = (bytes: number, what: string): void => {
    if (!Number.isFinite(bytes)) return;
    guard.largest = Math.max(guard.largest, bytes);
    if (bytes > limitBytes) {
      const where = new Error().stack?.split('\n').slice(3, 7).map((line) => line.trim()).join(' < ');
      guard.violations.push(`${what} of ${bytes} bytes (limit ${limitBytes}) at ${where}`);
      throw new RangeError(`allocation guard: ${what} of ${bytes} bytes refused`);
    }
  };

  for (const name of [...typedArrayNames, 'ArrayBuffer'] as const) {
    const original = globals[name];
    const bytesPer = (original as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    const guarded = class extends original {
      constructor(...args: unknown[]) {
        const [first] = args;
        if (typeof first === 'number') check(first * bytesPer, `new ${name}`);
        else if (isArrayLike(first)) check(first.length * bytesPer, `new ${name}`);
        super(...args);
      }

      static override [Symbol.hasInstance](value: unknown): boolean {
        return value instanceof original;
      }
    };
    Object.defineProperty(guarded, 'name', { value: name });
    originals.set(name, original);
    globals[name] = guarded as unknown as Constructor;
  }

  const { alloc: bufferAlloc, allocUnsafe: bufferAllocUnsafe, allocUnsafeSlow: bufferAllocUnsafeSlow } = Buffer;
  Buffer.alloc = ((size: number, ...rest: unknown[]) => {
    check(size, 'Buffer.alloc');
    return (bufferAlloc as (...args: unknown[]) => Buffer)(size, ...rest);
  }) as typeof Buffer.alloc;
  Buffer.allocUnsafe = (size: number) => {
    check(size, 'Buffer.allocUnsafe');
    return bufferAllocUnsafe(size);
  };
  Buffer.allocUnsafeSlow = (size: number) => {
    check(size, 'Buffer.allocUnsafeSlow');
    return bufferAllocUnsafeSlow(size);
  };
  return guard;
}

function isArrayLike(value: unknown): value is { length: number } {
  return typeof value === 'object' && value !== null && !(value instanceof ArrayBuffer) &&
    typeof (value as { length?: unknown }).length === 'number';
}
