// The public door: everything users, the CLI and the web app may import. Re-exports only.
export { Tensor, shapeSize, type Floats } from './tensor.js';
export { Random } from './random.js';
export { GlassboxError, escapeControlCharacters } from './errors.js';
export { crc32 } from './crc32.js';
export type { Backend, SgdStepOptions, AdamStepOptions } from './backend/backend.js';
export { kernelNames } from './backend/backend.js';
export { ReferenceBackend } from './backend/reference.js';
export { selectBackend, defaultBackend, type BackendChoice } from './backend/select.js';
export {
  createWasmBackend, WasmBackend, type WasmBackendOptions,
} from './backend/wasm/wasm-backend.js';
export { enableRelaxedSimd, type KernelVariant } from './backend/wasm/load-kernels.js';
export type { Layer, LayerSpec, LayerType, Param } from './layers/layer.js';
export { Dense } from './layers/dense.js';
export { Sigmoid } from './layers/sigmoid.js';
export { ReLU, LeakyReLU } from './layers/relu.js';
export { Tanh } from './layers/tanh.js';
export { Softmax } from './layers/softmax.js';
export { Dropout } from './layers/dropout.js';
export { Deskew } from './layers/deskew.js';
export { deskewImage } from './data/deskew.js';
export {
  Network, activationNames, type ActivationName, type NetworkOptions, type NeuronLayer, type Neuron,
} from './network.js';
export type { Loss, LossName } from './losses/loss.js';
export { MeanSquaredError } from './losses/mean-squared-error.js';
export { CrossEntropy } from './losses/cross-entropy.js';
export { createLoss, lossNames } from './losses/create-loss.js';
export type { Optimizer, OptimizerName, OptimizerState } from './optimizers/optimizer.js';
export { Sgd, type SgdOptions } from './optimizers/sgd.js';
export { Adam, type AdamOptions } from './optimizers/adam.js';
export { createOptimizer, optimizerNames, type OptimizerOptions } from './optimizers/create-optimizer.js';
export { initialize, initializerNames, type Initializer } from './initializers.js';
export {
  fit, evaluate, DivergedError,
  type FitOptions, type FitResult, type BatchEvent, type EpochEvent, type Evaluation,
} from './train.js';
export type { Dataset } from './data/dataset.js';
export { ImageDataset } from './data/image-dataset.js';
export { ArrayDataset } from './data/array-dataset.js';
export { ShiftedDataset } from './data/shifted-dataset.js';
export { parseIdx, type IdxArray } from './data/idx.js';
export { mnistDataset } from './data/mnist.js';
export { preprocessDigit, type PixelImage } from './data/preprocess.js';
export {
  encodeModel, decodeModel, modelFileExtension, modelFormatVersion,
  type ModelInfo, type DecodeOptions, type TrainingState,
} from './serialize.js';
export {
  gradientCheck, type GradientCheckOptions, type GradientCheckResult, type ParamCheck,
} from './gradient-check.js';
