import { kernelsRelaxed } from './kernels-relaxed.generated.js';
import { kernelsSimd } from './kernels-simd.generated.js';
import { nodeBuiltin } from './node-builtin.js';

/** Which build of the kernels runs: plain WebAssembly SIMD, or with relaxed SIMD's fused madd. */
export type KernelVariant = 'simd' | 'relaxed';

/**
 * The functions the WebAssembly module exports (see assembly/index.as). Pointers are byte
 * addresses in the module's memory; counts are numbers of float32s.
 */
export interface KernelExports {
  heapBase(): number;
  matmulScratchBytes(): number;
  /** The bounds below which matmul takes its small path (assembly/matmul-small.as). */
  matmulSmallWork(): number;
  matmulNarrow(): number;
  matmul(
    out: number, a: number, b: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, accumulate: boolean, scratch: number,
    firstRow: number, endRow: number, firstColumn: number, endColumn: number,
  ): void;
  matmulRowsDensity(a: number, m: number, k: number): number;
  matmulRowsPackedBytes(n: number, k: number): number;
  matmulRowsPanels(n: number): number;
  matmulFewDepths(out: number, a: number, b: number, m: number, n: number, k: number, accumulate: boolean): void;
  matmulDot(out: number, a: number, b: number, m: number, n: number, k: number, accumulate: boolean): void;
  matmulRowsPack(
    b: number, n: number, k: number, depth: number, transposeB: boolean, packed: number, firstPanel: number,
    endPanel: number,
  ): void;
  matmulRowsCompute(
    out: number, a: number, m: number, n: number, k: number, depth: number, transposeA: boolean,
    accumulate: boolean, packed: number, scratch: number, firstRow: number, endRow: number, firstPanel: number,
    endPanel: number,
  ): void;
  matmulTranspose(out: number, from: number, rows: number, columns: number, firstRow: number, endRow: number): void;
  matmulPairsPanels(n: number): number;
  matmulPairsPackedBytes(n: number, k: number): number;
  matmulPairsPack(b: number, n: number, k: number, packed: number, firstPanel: number, endPanel: number): void;
  matmulPairsShare(a: number, m: number, k: number): number;
  matmulPairsCompute(
    out: number, a: number, m: number, n: number, k: number, accumulate: boolean, packed: number, scratch: number,
    firstRow: number, endRow: number,
  ): void;
  addRowVector(out: number, a: number, row: number, rows: number, n: number): void;
  pixelsToFloats(out: number, pixels: number, count: number): void;
  gatherPixels(out: number, pixels: number, rows: number, count: number, width: number): number;
  sumRows(out: number, a: number, rows: number, n: number, accumulate: boolean): void;
  multiply(out: number, a: number, b: number, count: number): void;
  sigmoid(y: number, x: number, count: number): void;
  sigmoidBackward(dx: number, dy: number, y: number, count: number): void;
  tanh(y: number, x: number, count: number): void;
  tanhBackward(dx: number, dy: number, y: number, count: number): void;
  leakyRelu(y: number, x: number, count: number, slope: number): void;
  leakyReluBackward(dx: number, dy: number, x: number, count: number, slope: number): void;
  softmaxRows(y: number, x: number, rows: number, n: number): void;
  softmaxRowsBackward(dx: number, dy: number, y: number, rows: number, n: number): void;
  /** The losses store the batch mean loss as a float64 at `loss` (see assembly/losses.as). */
  meanSquaredError(loss: number, dy: number, y: number, target: number, rows: number, n: number): void;
  softmaxCrossEntropy(
    loss: number, dLogits: number, probabilities: number, logits: number, target: number, rows: number, n: number,
    kept: number, keptBytes: number,
  ): void;
  sigmoidCrossEntropy(
    loss: number, dz: number, activations: number, z: number, target: number, rows: number, n: number,
  ): void;
  sgdStep(
    value: number, grad: number, velocity: number, count: number,
    learningRate: number, momentum: number, nesterov: boolean, weightDecay: number,
  ): void;
  adamStep(
    value: number, grad: number, m: number, v: number, count: number, learningRate: number,
    beta1: number, beta2: number, epsilon: number, weightDecay: number,
    correction1: number, correction2: number,
  ): void;
  deskew(y: number, x: number, rows: number, width: number, height: number, scratch: number, scratchBytes: number): void;
}

const bytesOf: Record<KernelVariant, () => Uint8Array<ArrayBuffer>> = {
  simd: () => decodeBase64(kernelsSimd),
  relaxed: () => decodeBase64(kernelsRelaxed),
};

/**
 * The variants this runtime can compile, fastest first. Node 20 compiles relaxed SIMD only with
 * --experimental-wasm-relaxed-simd (and fails to validate it otherwise), which enableRelaxedSimd
 * can set; Chromium enables it.
 */
export function supportedVariants(): KernelVariant[] {
  if (typeof WebAssembly !== 'object') return [];
  return (['relaxed', 'simd'] as const).filter((variant) => WebAssembly.validate(bytesOf[variant]()));
}

/** Node's V8 flag that turns relaxed SIMD on where it is not on by default (Node 20, V8 11.3). */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/**
 * Turns relaxed SIMD on in this process where the runtime has it behind a flag, and says whether
 * the relaxed build now validates. Chromium and Node 22+ have it on already. Node 20's V8 (11.3)
 * keeps it behind --experimental-wasm-relaxed-simd; the next V8 (11.4, Chrome 114) shipped it, and
 * V8 reads the flag each time it validates or compiles a module, so setting it at run time, before
 * the backend is made, is enough. Call it before createWasmBackend. It changes a V8 flag for the
 * whole process, so the library never calls it on its own: the CLI does, and a program may.
 * Elsewhere (browsers, runtimes without node:v8) it changes nothing.
 */
export function enableRelaxedSimd(): boolean {
  if (typeof WebAssembly !== 'object') return false;
  const relaxed = bytesOf.relaxed();
  if (WebAssembly.validate(relaxed)) return true;
  const v8 = nodeBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8');
  if (v8 === undefined) return false;
  v8.setFlagsFromString(RELAXED_SIMD_FLAG);
  return WebAssembly.validate(relaxed);
}

/**
 * The compiled module of one variant. With `shared`, its memory import is declared shared, so
 * that it links to a shared WebAssembly.Memory (which worker threads can use too).
 */
export async function compileKernels(variant: KernelVariant, shared: boolean): Promise<WebAssembly.Module> {
  const bytes = bytesOf[variant]();
  if (shared) declareMemoryShared(bytes);
  return WebAssembly.compile(bytes);
}

/** Instantiates the module on `memory` and returns its kernels. */
export async function instantiateKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The build declares an unshared memory import with a maximum (limits flag 0x01); a shared one
 * differs only in that flag (0x03). Flipping the one byte in place is simpler than shipping two
 * more builds. Walks the module's sections to the import section and its memory entry.
 */
export function declareMemoryShared(bytes: Uint8Array): void {
  let at = 8; // past the magic number and the version
  const readUnsigned = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  const skipName = (): void => {
    const length = readUnsigned();
    at += length;
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = readUnsigned();
    const end = at + size;
    if (id !== 2) {
      at = end;
      continue;
    }
    const count = readUnsigned();
    for (let i = 0; i < count; i++) {
      skipName();
      skipName();
      const kind = bytes[at++];
      if (kind === 2) {
        if (bytes[at] !== 0x01) {
          throw new Error(`wasm kernels: memory import has limits flag ${bytes[at]}, expected 1 (with a maximum)`);
        }
        bytes[at] = 0x03;
        return;
      }
      if (kind === 0) {
        readUnsigned(); // a function's type index
      } else if (kind === 1) {
        at++; // a table's element type, then its limits
        const flags = bytes[at++];
        readUnsigned();
        if (flags & 0x01) readUnsigned();
      } else if (kind === 3) {
        at += 2; // a global's value type and mutability
      } else {
        throw new Error(`wasm kernels: unexpected import kind ${kind}`);
      }
    }
    break;
  }
  throw new Error('wasm kernels: the module imports no memory');
}
