// The ONNX door: kept apart from src/index.ts so that the core library stays free of
// dependencies; only this part needs protobufjs. Re-exports only.
export {
  encodeOnnx, onnxInputName, onnxOutputName, onnxIrVersion, onnxOpsetVersion,
} from './encode-onnx.js';
export { decodeOnnx, type OnnxDecodeOptions } from './decode-onnx.js';
