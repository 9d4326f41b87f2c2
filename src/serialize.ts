import type { Backend } from './backend/backend.js';
import type { LayerSpec } from './layers/layer.js';
import { Tensor } from './tensor.js';
import type { Random } from './random.js';
import { GlassboxError } from './errors.js';
import { Network } from './network.js';
import { crc32 } from './crc32.js';

/**
 * The model file: one versioned binary format, compact and bit-exact.
 *
 *   bytes 0–7    "GLASSBOX"
 *   bytes 8–11   format version, uint32 little-endian
 *   bytes 12–15  header length H, uint32 little-endian
 *   16 … 16+H    header: UTF-8 JSON (architecture, tensor list, how the model was made),
 *                padded with spaces so the weights start on a 4-byte boundary
 *   …            every tensor's float32 values, little-endian, in the header's order
 *   last 4       CRC-32 of everything before it, so a flipped bit is caught, not trained on
 */
export const modelFileExtension = '.gbx';
export const modelFormatVersion = 1;
const magic = 'GLASSBOX';
const prefixBytes = 16;
/** No real MLP comes near these; they stop a hostile header from asking for absurd memory. */
const maxLayers = 1000;
const maxWidth = 1 << 24;
const maxHeaderBytes = 1 << 24;

/** How a model was made, as far as it is known. Every field is optional; more may be added. */
export interface ModelInfo {
  /** ISO 8601 time of saving. */
  createdAt?: string;
  seed?: number;
  loss?: string;
  /** Optimizer name and settings, such as { optimizer: 'momentum', learningRate: 0.05 }. */
  optimizer?: Record<string, number | boolean | string>;
  epochs?: number;
  batchSize?: number;
  initializer?: string;
  /** What it was trained on, such as "MNIST train (60000)". */
  data?: string;
  /** Accuracy on the test set, 0..1. */
  testAccuracy?: number;
  backend?: string;
  /** Seconds of training. */
  trainingSeconds?: number;
  [key: string]: unknown;
}

interface Header {
  format: 'glassbox-model';
  layers: LayerSpec[];
  tensors: { name: string; shape: number[] }[];
  info: ModelInfo;
  checkpoint?: CheckpointHeader;
}

/**
 * What a checkpoint adds to a model so that training can resume exactly: the optimizer's
 * tensors (stored after the weights, named "optimizer[param][slot]"), the generator's state, and
 * where training stood. `settings` is the caller's, such as the command line that started it.
 */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** Random.getState() at the end of that epoch. */
  random: number[];
  optimizer: { name: string; learningRate: number; step: number; slots: Tensor[][] };
  settings: Record<string, unknown>;
}

interface CheckpointHeader {
  epoch: number;
  random: number[];
  optimizer: { name: string; learningRate: number; step: number; slotsPerParam: number };
  settings: Record<string, unknown>;
}

/**
 * Encodes the network's architecture and weights, and `info`, as the bytes of a model file.
 * With `training`, the file is a checkpoint that also holds the optimizer and generator state.
 * Refuses weights that are not finite numbers: a diverged network is never saved.
 */
export function encodeModel(network: Network, info: ModelInfo = {}, training?: TrainingState): Uint8Array {
  const params = network.layers.flatMap((layer, i) =>
    layer.params.map((param) => ({ name: `layers[${i}].${param.name}`, value: param.value })),
  );
  for (const p of params) {
    const bad = p.value.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new GlassboxError('model', `${p.name}[${bad}]`, `is ${p.value.data[bad]}; refusing to save a diverged network`);
    }
  }
  let checkpoint: CheckpointHeader | undefined;
  if (training) {
    const { slots, ...optimizer } = training.optimizer;
    const slotsPerParam = slots.length === 0 ? 0 : slots[0].length;
    slots.forEach((perParam, i) => perParam.forEach((slot, j) => {
      params.push({ name: `optimizer[${i}][${j}]`, value: slot });
    }));
    checkpoint = { epoch: training.epoch, random: training.random, optimizer: { ...optimizer, slotsPerParam }, settings: training.settings };
  }
  const header: Header = {
    format: 'glassbox-model',
    layers: network.specs(),
    tensors: params.map((p) => ({ name: p.name, shape: [...p.value.shape] })),
    info,
    ...(checkpoint ? { checkpoint } : {}),
  };
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padding = (4 - ((prefixBytes + headerBytes.length) % 4)) % 4;
  if (padding > 0) {
    json += ' '.repeat(padding);
    headerBytes = encoder.encode(json);
  }
  const values = params.reduce((total, p) => total + p.value.size, 0);
  const bytes = new Uint8Array(prefixBytes + headerBytes.length + values * 4 + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(encoder.encode(magic), 0);
  view.setUint32(8, modelFormatVersion, true);
  view.setUint32(12, headerBytes.length, true);
  bytes.set(headerBytes, prefixBytes);
  let offset = prefixBytes + headerBytes.length;
  for (const p of params) {
    for (let i = 0; i < p.value.size; i++, offset += 4) view.setFloat32(offset, p.value.data[i], true);
  }
  view.setUint32(offset, crc32(bytes.subarray(0, offset)), true);
  return bytes;
}

export interface DecodeOptions {
  /** The file's name, for error messages. */
  source?: string;
  backend?: Backend;
  /** The generator the network's dropout draws from (to share it with training). */
  random?: Random;
}

/**
 * Reads a model file back into a Network. Every field and shape is checked before anything
 * is built; a bad file gets a GlassboxError naming the file and the field.
 */
export function decodeModel(
  bytes: Uint8Array, options: DecodeOptions = {},
): { network: Network; info: ModelInfo; training: TrainingState | undefined } {
  const source = options.source ?? 'model';
  const fail = (field: string, problem: string): never => {
    throw new GlassboxError(source, field, problem);
  };
  if (bytes.length < prefixBytes + 4) fail('file', `is ${bytes.length} bytes long, too short for a model file`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== magic) {
    fail('magic', 'is not a Glassbox model file (it does not start with "GLASSBOX")');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== modelFormatVersion) {
    fail('version', `is ${version}; this Glassbox reads version ${modelFormatVersion}`);
  }
  const headerLength = view.getUint32(12, true);
  if (headerLength > maxHeaderBytes || prefixBytes + headerLength + 4 > bytes.length) {
    fail('header length', `says ${headerLength} bytes, but the file holds ${bytes.length} in all`);
  }
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) {
    fail('checksum', 'does not match: the file is corrupt or was cut short');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(prefixBytes, prefixBytes + headerLength),
    ));
  } catch (error) {
    fail('header', `is not valid JSON (${(error as Error).message})`);
  }
  const header = checkHeader(parsed, fail);

  // Check the data's size before building layers, so a hostile header cannot make us allocate
  // memory the file does not back.
  const dataBytes = bytes.length - 4 - (prefixBytes + headerLength);
  let weightBytes = 0;
  for (const spec of header.layers) {
    if (spec.type === 'dense') weightBytes += (spec.inputs * spec.outputs + spec.outputs) * 4;
  }
  const listedBytes = header.tensors.reduce((total, t) => total + t.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (dataBytes !== listedBytes) {
    fail('tensors', `list ${listedBytes} bytes of numbers, but the file holds ${dataBytes}`);
  }
  if (weightBytes > dataBytes) {
    fail('weights', `hold ${dataBytes} bytes, but the layers need ${weightBytes}`);
  }
  let network: Network;
  try {
    network = new Network(header.layers, { backend: options.backend, random: options.random });
  } catch (error) {
    return fail('layers', (error as Error).message);
  }
  const params = network.layers.flatMap((layer, i) =>
    layer.params.map((param) => ({ name: `layers[${i}].${param.name}`, value: param.value })),
  );
  const slotsPerParam = header.checkpoint?.optimizer.slotsPerParam ?? 0;
  const slots = params.flatMap((p, i) => Array.from({ length: slotsPerParam }, (_, j) => ({
    name: `optimizer[${i}][${j}]`, value: new Tensor(p.value.shape, new Float32Array(p.value.size)),
  })));
  if (params.length + slots.length !== header.tensors.length) {
    fail('tensors', `lists ${header.tensors.length} tensors, but the layers and optimizer have ${params.length + slots.length}`);
  }
  let offset = prefixBytes + headerLength;
  for (const [i, p] of [...params, ...slots].entries()) {
    const entry = header.tensors[i];
    const field = `tensors[${i}]`;
    if (entry.name !== p.name) fail(`${field}.name`, `is "${entry.name}", expected "${p.name}"`);
    if (entry.shape.length !== p.value.shape.length || entry.shape.some((d, k) => d !== p.value.shape[k])) {
      fail(`${field}.shape`, `is [${entry.shape.join(', ')}], but ${p.name} is [${p.value.shape.join(', ')}]`);
    }
    for (let k = 0; k < p.value.size; k++, offset += 4) {
      const value = view.getFloat32(offset, true);
      if (!Number.isFinite(value)) fail(`${p.name}[${k}]`, `is ${value}; weights must be finite numbers`);
      p.value.data[k] = value;
    }
  }
  let training: TrainingState | undefined;
  if (header.checkpoint) {
    const { slotsPerParam: perParam, ...optimizer } = header.checkpoint.optimizer;
    const grouped = params.map((_, i) => slots.slice(i * perParam, (i + 1) * perParam).map((s) => s.value));
    training = { ...header.checkpoint, optimizer: { ...optimizer, slots: grouped } };
  }
  return { network, info: header.info, training };
}

type Fail = (field: string, problem: string) => never;

function checkHeader(value: unknown, fail: Fail): Header {
  if (!isRecord(value)) return fail('header', 'must be a JSON object');
  if (value.format !== 'glassbox-model') fail('header.format', `must be "glassbox-model", got ${show(value.format)}`);
  if (!Array.isArray(value.layers)) return fail('header.layers', 'must be a list of layers');
  if (value.layers.length === 0 || value.layers.length > maxLayers) {
    fail('header.layers', `must hold 1 to ${maxLayers} layers, got ${value.layers.length}`);
  }
  const layers = value.layers.map((layer, i) => checkLayerSpec(layer, `header.layers[${i}]`, fail));
  if (!Array.isArray(value.tensors)) return fail('header.tensors', 'must be a list');
  const tensors = value.tensors.map((entry, i) => {
    const field = `header.tensors[${i}]`;
    if (!isRecord(entry)) return fail(field, 'must be an object with name and shape');
    if (typeof entry.name !== 'string') fail(`${field}.name`, `must be a string, got ${show(entry.name)}`);
    if (!Array.isArray(entry.shape) || !entry.shape.every((d) => wholeNumber(d, 1, maxWidth))) {
      fail(`${field}.shape`, `must be a list of whole numbers from 1 to ${maxWidth}, got ${show(entry.shape)}`);
    }
    return { name: entry.name as string, shape: entry.shape as number[] };
  });
  const info = value.info ?? {};
  if (!isRecord(info)) return fail('header.info', `must be an object, got ${show(info)}`);
  for (const key of ['seed', 'epochs', 'batchSize', 'testAccuracy', 'trainingSeconds'] as const) {
    if (info[key] !== undefined && typeof info[key] !== 'number') {
      fail(`header.info.${key}`, `must be a number, got ${show(info[key])}`);
    }
  }
  for (const key of ['createdAt', 'loss', 'data', 'backend', 'initializer'] as const) {
    if (info[key] !== undefined && typeof info[key] !== 'string') {
      fail(`header.info.${key}`, `must be a string, got ${show(info[key])}`);
    }
  }
  if (info.optimizer !== undefined && !isRecord(info.optimizer)) {
    fail('header.info.optimizer', `must be an object, got ${show(info.optimizer)}`);
  }
  const checkpoint = value.checkpoint === undefined ? undefined : checkCheckpoint(value.checkpoint, fail);
  return { format: 'glassbox-model', layers, tensors, info: info as ModelInfo, checkpoint };
}

function checkCheckpoint(value: unknown, fail: Fail): CheckpointHeader {
  const field = 'header.checkpoint';
  if (!isRecord(value)) return fail(field, `must be an object, got ${show(value)}`);
  if (!wholeNumber(value.epoch, 0, 1e9)) fail(`${field}.epoch`, `must be a whole number ≥ 0, got ${show(value.epoch)}`);
  if (!Array.isArray(value.random) || value.random.length !== 4
    || !value.random.every((w) => wholeNumber(w, 0, 0xffffffff)) || value.random.every((w) => w === 0)) {
    fail(`${field}.random`, `must be four 32-bit whole numbers, not all zero; got ${show(value.random)}`);
  }
  const optimizer = value.optimizer;
  if (!isRecord(optimizer)) return fail(`${field}.optimizer`, `must be an object, got ${show(optimizer)}`);
  if (typeof optimizer.name !== 'string') fail(`${field}.optimizer.name`, `must be a string, got ${show(optimizer.name)}`);
  if (typeof optimizer.learningRate !== 'number' || !(optimizer.learningRate > 0) || !Number.isFinite(optimizer.learningRate)) {
    fail(`${field}.optimizer.learningRate`, `must be a finite number > 0, got ${show(optimizer.learningRate)}`);
  }
  if (!wholeNumber(optimizer.step, 0, 2 ** 52)) fail(`${field}.optimizer.step`, `must be a whole number ≥ 0, got ${show(optimizer.step)}`);
  if (!wholeNumber(optimizer.slotsPerParam, 0, 4)) {
    fail(`${field}.optimizer.slotsPerParam`, `must be a whole number from 0 to 4, got ${show(optimizer.slotsPerParam)}`);
  }
  if (!isRecord(value.settings)) fail(`${field}.settings`, `must be an object, got ${show(value.settings)}`);
  return value as unknown as CheckpointHeader;
}

/** Checks one layer of a saved architecture, field by field. */
export function checkLayerSpec(value: unknown, field: string, fail: Fail): LayerSpec {
  if (!isRecord(value)) return fail(field, `must be an object with a type, got ${show(value)}`);
  switch (value.type) {
    case 'dense':
      for (const key of ['inputs', 'outputs'] as const) {
        if (!wholeNumber(value[key], 1, maxWidth)) {
          fail(`${field}.${key}`, `must be a whole number from 1 to ${maxWidth}, got ${show(value[key])}`);
        }
      }
      return { type: 'dense', inputs: value.inputs as number, outputs: value.outputs as number };
    case 'sigmoid':
    case 'relu':
    case 'tanh':
    case 'softmax':
      return { type: value.type };
    case 'leaky-relu':
      if (typeof value.slope !== 'number' || !(value.slope >= 0 && value.slope < 1)) {
        fail(`${field}.slope`, `must be a number in [0, 1), got ${show(value.slope)}`);
      }
      return { type: 'leaky-relu', slope: value.slope as number };
    case 'deskew':
      for (const key of ['width', 'height'] as const) {
        if (!wholeNumber(value[key], 1, 4096)) {
          fail(`${field}.${key}`, `must be a whole number from 1 to 4096, got ${show(value[key])}`);
        }
      }
      return { type: 'deskew', width: value.width as number, height: value.height as number };
    case 'dropout':
      if (typeof value.rate !== 'number' || !(value.rate >= 0 && value.rate < 1)) {
        fail(`${field}.rate`, `must be a number in [0, 1), got ${show(value.rate)}`);
      }
      return { type: 'dropout', rate: value.rate as number };
    default:
      return fail(
        `${field}.type`,
        `must be one of dense, sigmoid, relu, leaky-relu, tanh, softmax, dropout, deskew; got ${show(value.type)}`,
      );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wholeNumber(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** A value as it would appear in JSON, cut short, for error messages. */
function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
