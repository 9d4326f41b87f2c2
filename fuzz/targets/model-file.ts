import { crc32, decodeModel, encodeModel, Network, Tensor, type Random } from '../../src/index.js';
import {
  InvalidResult, isCleanGlassboxError, readerAllocationLimit, type FuzzCase, type FuzzTarget,
} from '../fuzz-target.js';
import { concat, copyOf, hostileJsonValue, interestingU32, mutateBytes, pick, shortJson } from '../mutate.js';

const source = 'fuzz.gbx';

let cachedSeeds: Uint8Array[] | undefined;

/** Valid model files to start from: tiny, mixed layers, the video's network, full info, deskew. */
export function modelSeeds(): Uint8Array[] {
  cachedSeeds ??= [
    encodeModel(new Network([{ type: 'dense', inputs: 3, outputs: 2 }], { seed: 1 }), {}),
    encodeModel(Network.perceptron([8, 5, 3], 'sigmoid', 'softmax', { seed: 2 }), { seed: 2, epochs: 3 }),
    encodeModel(new Network([
      { type: 'dense', inputs: 20, outputs: 7 }, { type: 'leaky-relu', slope: 0.05 },
      { type: 'dropout', rate: 0.2 }, { type: 'dense', inputs: 7, outputs: 5 }, { type: 'tanh' },
      { type: 'dense', inputs: 5, outputs: 3 }, { type: 'relu' },
    ], { seed: 3 }), {
      createdAt: '2024-01-01T00:00:00Z', seed: 3, loss: 'mse', optimizer: { optimizer: 'adam', learningRate: 0.001 },
      epochs: 2, batchSize: 10, initializer: 'he', data: 'fuzz', testAccuracy: 0.5, backend: 'reference',
      trainingSeconds: 1.5,
    }),
    encodeModel(Network.perceptron([784, 16, 16, 10], 'sigmoid', 'sigmoid', { seed: 4 }), { seed: 4 }),
    encodeModel(Network.perceptron([36, 5, 3], 'relu', 'softmax', { seed: 5, deskew: { width: 6, height: 6 } }), {}),
  ];
  return cachedSeeds;
}

/** A model file taken apart: the header as JSON, and the weights' bytes. */
interface Parts {
  version: number;
  header: Record<string, unknown>;
  weights: Uint8Array;
}

function split(bytes: Uint8Array): Parts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
  return { version: view.getUint32(8, true), header, weights: copyOf(bytes.subarray(16 + headerLength, bytes.length - 4)) };
}

/** Puts a model file together again, with a correct checksum, so later checks are reached. */
function join(parts: { version: number; headerText: string; weights: Uint8Array; headerLength?: number }): Uint8Array {
  let text = parts.headerText;
  text += ' '.repeat((4 - ((16 + new TextEncoder().encode(text).length) % 4)) % 4);
  const header = new TextEncoder().encode(text);
  const prefix = new Uint8Array(16);
  prefix.set(new TextEncoder().encode('GLASSBOX'));
  const view = new DataView(prefix.buffer);
  view.setUint32(8, parts.version, true);
  view.setUint32(12, parts.headerLength ?? header.length, true);
  return fixChecksum(concat(prefix, header, parts.weights, new Uint8Array(4)));
}

function fixChecksum(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 4) {
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  }
  return bytes;
}

/** Every path into a JSON value, such as ['layers', 2, 'inputs']. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const result: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((item, i) => result.push(...paths(item, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) result.push(...paths(item, [...prefix, key]));
  }
  return result;
}

function setPath(root: unknown, path: (string | number)[], value: unknown, remove: boolean): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove && Array.isArray(node)) node.splice(last as number, 1);
  else if (remove) delete node[last];
  else node[last] = value;
}

/** Random float32 weights of the size the header's dense layers ask for, when that is small. */
function weightsFor(header: Record<string, unknown>, random: Random): Uint8Array | undefined {
  const layers = Array.isArray(header.layers) ? header.layers : [];
  let count = 0;
  for (const layer of layers) {
    const { type, inputs, outputs } = (layer ?? {}) as Record<string, unknown>;
    if (type === 'dense' && typeof inputs === 'number' && typeof outputs === 'number') count += inputs * outputs + outputs;
  }
  if (!(count >= 0 && count <= 1_000_000) || !Number.isInteger(count)) return undefined;
  const view = new DataView(new ArrayBuffer(count * 4));
  for (let i = 0; i < count; i++) view.setFloat32(i * 4, random.gaussian(), true);
  return new Uint8Array(view.buffer);
}

/** A hostile model file made from a valid one. */
export function hostileModelFile(random: Random): FuzzCase {
  const seed = pick(random, modelSeeds());
  const parts = split(seed);
  const choice = random.next();
  if (choice < 0.15) {
    const { bytes, description } = mutateBytes(seed, random);
    return { input: bytes, description: `bytes: ${description}` };
  }
  if (choice < 0.35) {
    const { bytes, description } = mutateBytes(seed, random);
    return { input: fixChecksum(bytes), description: `bytes: ${description}; checksum fixed` };
  }
  if (choice < 0.65) {
    // One field of the header, anywhere in it, gets a wrong type or a hostile value, or goes.
    const header = structuredClone(parts.header);
    const steps: string[] = [];
    for (let i = 0, n = 1 + random.int(2); i < n; i++) {
      const all = paths(header);
      const path = pick(random, all);
      const remove = random.next() < 0.15;
      const value = hostileJsonValue(random);
      setPath(header, path, value, remove);
      steps.push(`header.${path.join('.')} ${remove ? 'removed' : `= ${shortJson(value)}`}`);
    }
    const weights = random.next() < 0.5 ? parts.weights : weightsFor(header, random) ?? parts.weights;
    return { input: join({ version: parts.version, headerText: JSON.stringify(header), weights }), description: steps.join('; ') };
  }
  if (choice < 0.8) {
    // Shapes that disagree: a dense layer's size or a tensor's shape changes, and the weights
    // are resized to match the layers (or not), so each later check is reached.
    const header = structuredClone(parts.header) as { layers: Record<string, unknown>[]; tensors: { shape: number[] }[] };
    const dense = header.layers.filter((layer) => layer.type === 'dense');
    const size = pick(random, [0, 1, 2, 3, 5, 9, 4_000_000_000, 2 ** 24, 2 ** 24 + 1, -1, 1.5]);
    let description: string;
    if (random.next() < 0.6) {
      const layer = pick(random, dense);
      const key = random.next() < 0.5 ? 'inputs' : 'outputs';
      layer[key] = size;
      description = `a dense layer's ${key} = ${size}`;
    } else {
      const tensor = pick(random, header.tensors);
      tensor.shape[random.int(tensor.shape.length)] = size;
      description = `a tensor's shape has ${size}`;
    }
    const resized = random.next() < 0.7 ? weightsFor(header, random) : undefined;
    return {
      input: join({ version: parts.version, headerText: JSON.stringify(header), weights: resized ?? parts.weights }),
      description: `${description}; weights ${resized ? 'resized to match' : 'kept'}`,
    };
  }
  if (choice < 0.9) {
    const weights = copyOf(parts.weights);
    const view = new DataView(weights.buffer);
    const value = pick(random, [NaN, Infinity, -Infinity, 3.4e38, 1e-45, -0]);
    const at = random.int(weights.length / 4);
    view.setFloat32(at * 4, value, true);
    return { input: join({ version: parts.version, headerText: JSON.stringify(parts.header), weights }), description: `weight ${at} = ${value}` };
  }
  // The prefix: version and header length get interesting values; or the header is not an
  // object at all.
  if (random.next() < 0.5) {
    const headerText = pick(random, [
      '[]', 'null', '"glassbox-model"', '1', '{', '{"format":"glassbox-model"}', 'NaN', '\u0000',
      '['.repeat(200_000), `{"format":"glassbox-model","layers":${'['.repeat(50_000)}`,
    ]);
    return { input: join({ version: parts.version, headerText, weights: parts.weights }), description: `header is ${shortJson(headerText)}` };
  }
  const version = random.next() < 0.5 ? pick(random, interestingU32) : parts.version;
  const headerLength = random.next() < 0.5 ? pick(random, interestingU32) : undefined;
  return {
    input: join({ version, headerText: JSON.stringify(parts.header), weights: parts.weights, headerLength }),
    description: `version ${version}, header length ${headerLength ?? 'right'}`,
  };
}

export const modelFileTarget: FuzzTarget = {
  name: 'model',
  reader: 'decodeModel(bytes)',
  generate: hostileModelFile,
  run(fuzzCase) {
    const { network } = decodeModel(fuzzCase.input as Uint8Array, { source });
    for (const param of network.params()) {
      if (!param.value.data.every(Number.isFinite)) throw new InvalidResult('a decoded weight is not finite');
    }
    const y = network.forward(new Tensor([1, network.inputSize], new Float32Array(network.inputSize)));
    if (y.data.length !== network.outputSize) throw new InvalidResult('forward gave the wrong size');
  },
  maxAllocationBytes: readerAllocationLimit,
  clean: (error) => isCleanGlassboxError(error, source),
};
