// The kernels' entry point: everything exported here is what the loader (../wasm-backend.ts)
// calls. Pointers are byte addresses in the imported memory; counts are numbers of float32s.

export { matmul, matmulScratchBytes } from './matmul';
export { matmulFewDepths, matmulSmallWork, matmulNarrow } from './matmul-small';
export { matmulDot } from './matmul-dot';
export {
  matmulRowsDensity, matmulRowsPanels, matmulRowsPack, matmulRowsCompute, matmulRowsPackedBytes,
  matmulTranspose,
} from './matmul-rows';
export {
  matmulPairsCompute, matmulPairsPack, matmulPairsPackedBytes, matmulPairsPanels, matmulPairsShare,
} from './matmul-pairs';
export { addRowVector, sumRows, multiply, pixelsToFloats, gatherPixels } from './arithmetic';
export {
  sigmoid, sigmoidBackward, tanh, tanhBackward, leakyRelu, leakyReluBackward,
  softmaxRows, softmaxRowsBackward,
} from './activations';
export { meanSquaredError, softmaxCrossEntropy, sigmoidCrossEntropy } from './losses';
export { sgdStep, adamStep } from './optimizers';
export { deskew } from './deskew';

/** The first byte after this module's own static data: the loader's heap starts here. */
export function heapBase(): usize {
  return __heap_base;
}
