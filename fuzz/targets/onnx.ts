import { Network, Tensor, type Random } from '../../src/index.js';
import { decodeOnnx, encodeOnnx } from '../../src/onnx/index.js';
import { onnxModelType } from '../../src/onnx/onnx-schema.js';
import { buildOnnx, int } from '../../test/onnx/onnx-builder.js';
import {
  InvalidResult, isCleanGlassboxError, readerAllocationLimit, type FuzzCase, type FuzzTarget,
} from '../fuzz-target.js';
import { hostileJsonValue, mutateBytes, pick, shortJson } from '../mutate.js';

const source = 'fuzz.onnx';

let cachedSeeds: Uint8Array[] | undefined;

/** Our own exports, and graphs as other exporters write them (MatMul + Add, Flatten, Reshape). */
export function onnxSeeds(): Uint8Array[] {
  cachedSeeds ??= [
    encodeOnnx(new Network([{ type: 'dense', inputs: 3, outputs: 2 }], { seed: 1 })),
    encodeOnnx(new Network([
      { type: 'dense', inputs: 6, outputs: 5 }, { type: 'leaky-relu', slope: 0.1 }, { type: 'dropout', rate: 0.3 },
      { type: 'dense', inputs: 5, outputs: 4 }, { type: 'tanh' }, { type: 'dense', inputs: 4, outputs: 3 },
      { type: 'softmax' },
    ], { seed: 2 }), { seed: 2 }),
    buildOnnx({
      input: { name: 'image', dims: ['N', 1, 2, 3] }, output: 'y',
      nodes: [
        { op: 'Flatten', inputs: ['image'], outputs: ['flat'], attributes: { axis: int(1) } },
        { op: 'MatMul', inputs: ['flat', 'w1'], outputs: ['m'] },
        { op: 'Add', inputs: ['m', 'b1'], outputs: ['z'] },
        { op: 'Relu', inputs: ['z'], outputs: ['a'] },
        { op: 'Gemm', inputs: ['a', 'w2', 'b2'], outputs: ['z2'], attributes: { transB: int(0) } },
        { op: 'Sigmoid', inputs: ['z2'], outputs: ['y'] },
      ],
      initializers: [
        { name: 'w1', dims: [6, 4], values: Array.from({ length: 24 }, (_, i) => i / 24 - 0.5), raw: true },
        { name: 'b1', dims: [4], values: [0.1, -0.2, 0.3, 0] },
        { name: 'w2', dims: [4, 2], values: [1, -1, 0.5, 0.25, 2, 0, -0.5, 1], type: 'double' },
        { name: 'b2', dims: [1, 2], values: [0, 1] },
      ],
    }),
    buildOnnx({
      input: { name: 'x', dims: ['batch', 2, 2] }, output: 'y', opset: 11,
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['shape'], attributes: { value_ints: { ints: [-1, 4] } } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
        { op: 'Gemm', inputs: ['flat', 'w'], outputs: ['z'], attributes: { transB: int(1) } },
        { op: 'Softmax', inputs: ['z'], outputs: ['y'] },
      ],
      initializers: [{ name: 'w', dims: [3, 4], values: Array.from({ length: 12 }, (_, i) => Math.sin(i)) }],
    }),
  ];
  return cachedSeeds;
}

type Json = Record<string, unknown>;

/** Every place in the decoded message where a field can be set, removed or given a new value. */
function fieldPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const result: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  if (value instanceof Uint8Array) return result;
  if (Array.isArray(value)) value.forEach((item, i) => result.push(...fieldPaths(item, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) result.push(...fieldPaths(item, [...prefix, key]));
  }
  return result;
}

function parent(root: unknown, path: (string | number)[]): Json {
  let node = root as Json;
  for (const key of path.slice(0, -1)) node = node[key as string] as Json;
  return node;
}

/** Values that fit a protobuf field's kind but not the model: sizes, types, versions, names. */
function hostileFieldValue(key: string, random: Random): unknown {
  switch (key) {
    case 'dims': case 'dim_value':
      return pick(random, [0, -1, 1, 3, 4e9, 2 ** 24 + 1, 2 ** 31, 2 ** 53, -(2 ** 62)]);
    case 'data_type': case 'elem_type':
      return pick(random, [0, 1, 2, 6, 7, 8, 9, 10, 11, 16, 17, 255, -1]);
    case 'op_type':
      return pick(random, ['Conv', 'LogSoftmax', 'Gemm', 'MatMul', 'Add', 'Relu', 'LeakyRelu', 'Softmax',
        'Dropout', 'Flatten', 'Reshape', 'Constant', 'Identity', 'Sigmoid', 'Tanh', '', 'x'.repeat(300), 'If']);
    case 'version': case 'ir_version':
      return pick(random, [0, 1, 3, 6, 7, 12, 13, 99, -1, 2 ** 40]);
    case 'type':
      return pick(random, [0, 1, 2, 3, 4, 6, 7, 99]);
    case 'f':
      return pick(random, [NaN, Infinity, -1, 0, 0.5, 1, 2, 1e38]);
    case 'i':
      return pick(random, [0, 1, -1, 2, -2, 5, 2 ** 40]);
    case 'domain':
      return pick(random, ['', 'ai.onnx', 'com.microsoft', 'ai.onnx.ml']);
    case 'raw_data': {
      const bytes = new Uint8Array(pick(random, [0, 1, 3, 4, 8, 100]));
      const view = new DataView(bytes.buffer);
      for (let i = 0; i + 4 <= bytes.length; i += 4) view.setFloat32(i, pick(random, [NaN, Infinity, 1, -0, 3.4e38]), true);
      return bytes;
    }
    default: {
      if (random.next() < 0.5) return pick(random, ['', 'x', 'input', 'output', 'image', 'flat', 'w1', 'y', 'z']);
      return hostileJsonValue(random);
    }
  }
}

/**
 * Decodes the message, changes one to three fields anywhere in it (a dimension, a type, an op,
 * an attribute, a name, a list's length, a value) and encodes it again. Values of the wrong
 * protobuf kind are refused by the encoder; those tries fall back to byte mutations.
 */
function mutateStructure(bytes: Uint8Array, random: Random): { bytes: Uint8Array; description: string } {
  const type = onnxModelType();
  for (let attempt = 0; attempt < 10; attempt++) {
    const object = type.toObject(type.decode(bytes), { longs: Number, defaults: random.next() < 0.3 }) as Json;
    const description = mutateFields(object, random);
    try {
      return { bytes: type.encode(type.fromObject(object)).finish(), description };
    } catch {
      // A value of the wrong protobuf kind for its field: try other changes.
    }
  }
  const fallback = mutateBytes(bytes, random);
  return { bytes: fallback.bytes, description: `bytes: ${fallback.description}` };
}

/** Changes one to three fields of the decoded message in place; says which. */
function mutateFields(object: Json, random: Random): string {
  const steps: string[] = [];
  for (let i = 0, n = 1 + random.int(3); i < n; i++) {
    const path = pick(random, fieldPaths(object));
    const key = String([...path].reverse().find((part) => typeof part === 'string'));
    const container = parent(object, path);
    const last = path[path.length - 1];
    const action = random.next();
    if (action < 0.15 && Array.isArray(container)) {
      container.splice(last as number, 1);
      steps.push(`${path.join('.')} removed`);
    } else if (action < 0.25 && Array.isArray(container)) {
      container.splice(last as number, 0, structuredClone(container[last as number]));
      steps.push(`${path.join('.')} repeated`);
    } else if (action < 0.35 && !Array.isArray(container)) {
      delete container[last as string];
      steps.push(`${path.join('.')} removed`);
    } else {
      const value = hostileFieldValue(key, random);
      container[last as string] = value;
      steps.push(`${path.join('.')} = ${value instanceof Uint8Array ? `${value.length} bytes` : shortJson(value)}`);
    }
  }
  return steps.join('; ');
}

function generate(random: Random): FuzzCase {
  const seed = pick(random, onnxSeeds());
  if (random.next() < 0.3) {
    const { bytes, description } = mutateBytes(seed, random);
    return { input: bytes, description: `bytes: ${description}` };
  }
  const { bytes, description } = mutateStructure(seed, random);
  return { input: bytes, description };
}

export const onnxTarget: FuzzTarget = {
  name: 'onnx',
  reader: 'decodeOnnx(bytes)',
  generate,
  run(fuzzCase) {
    const { network } = decodeOnnx(fuzzCase.input as Uint8Array, { source });
    for (const param of network.params()) {
      if (!param.value.data.every(Number.isFinite)) throw new InvalidResult('a decoded weight is not finite');
    }
    const y = network.forward(new Tensor([2, network.inputSize], new Float32Array(2 * network.inputSize)));
    if (y.data.length !== 2 * network.outputSize) throw new InvalidResult('forward gave the wrong size');
  },
  maxAllocationBytes: readerAllocationLimit,
  clean: (error) => isCleanGlassboxError(error, source),
};
