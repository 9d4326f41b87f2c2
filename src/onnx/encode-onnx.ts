import { GlassboxError } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import type { Network } from '../network.js';
import type { ModelInfo } from '../serialize.js';
import { Dense } from '../layers/dense.js';
import { LeakyReLU } from '../layers/relu.js';
import { Dropout } from '../layers/dropout.js';
import { Deskew } from '../layers/deskew.js';
import { deskewPrefix, deskewSubgraph } from './deskew-subgraph.js';
import { attributeType, dataType, onnxModelType } from './onnx-schema.js';
import { tensorProto } from './tensor-proto.js';

/**
 * ONNX IR version 8 with operator set 13: old enough for every onnxruntime of the last years,
 * new enough that Softmax works on the last axis alone and Dropout takes its ratio as an input.
 */
export const onnxIrVersion = 8;
export const onnxOpsetVersion = 13;

/** The names of the graph's input and output, as onnxruntime's feeds and results use them. */
export const onnxInputName = 'input';
export const onnxOutputName = 'output';

/**
 * The metadata key under which the network's layer specs are stored as JSON. decodeOnnx reads a
 * Deskew layer's image size from it; other tools may show it.
 */
export const layersMetadataKey = 'glassbox.layers';

/**
 * Encodes a network as the bytes of an ONNX model that onnxruntime and other runtimes run:
 * input `input` [batch, inputSize] float, output `output` [batch, outputSize]. Each Dense layer
 * becomes a Gemm with transB = 1 (its weights are [out, in], as Gemm's B transposed), each
 * activation its ONNX op, and a Deskew layer a subgraph of standard ops named
 * `layers.i.deskew/...` (see deskew-subgraph.ts). `info` goes into the model's metadata as JSON,
 * key "glassbox.info", and the layer specs under "glassbox.layers".
 */
export function encodeOnnx(network: Network, info: ModelInfo = {}): Uint8Array {
  const nodes: object[] = [];
  const initializers: object[] = [];
  let current = onnxInputName;
  for (const [i, layer] of network.layers.entries()) {
    const last = i === network.layers.length - 1;
    const output = last ? onnxOutputName : `layers.${i}.output`;
    const name = `layers.${i}`;
    if (layer instanceof Deskew) {
      const subgraph = deskewSubgraph(deskewPrefix(i), current, output, layer.width, layer.height);
      nodes.push(...subgraph.nodes);
      initializers.push(...subgraph.initializers);
    } else {
      const inputs = [current, ...parameterInputs(layer, name, initializers)];
      nodes.push({
        name, op_type: opType(layer), input: inputs, output: [output], attribute: attributes(layer),
      });
    }
    current = output;
  }
  const model = {
    ir_version: onnxIrVersion,
    opset_import: [{ domain: '', version: onnxOpsetVersion }],
    producer_name: 'glassbox',
    doc_string: String(network),
    graph: {
      name: 'glassbox',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(onnxInputName, network.inputSize)],
      output: [valueInfo(onnxOutputName, network.outputSize)],
    },
    metadata_props: [
      { key: 'glassbox.info', value: JSON.stringify(info) },
      { key: layersMetadataKey, value: JSON.stringify(network.specs()) },
    ],
  };
  const type = onnxModelType();
  return type.encode(type.fromObject(model)).finish();
}

/** The op of a layer that is one node; a Deskew layer is a subgraph (deskew-subgraph.ts). */
function opType(layer: Layer): string {
  switch (layer.type) {
    case 'dense': return 'Gemm';
    case 'sigmoid': return 'Sigmoid';
    case 'relu': return 'Relu';
    case 'leaky-relu': return 'LeakyRelu';
    case 'tanh': return 'Tanh';
    case 'softmax': return 'Softmax';
    case 'dropout': return 'Dropout';
    case 'deskew':
      throw new GlassboxError('model', 'layers', `${layer} is written as a subgraph, not one node`);
  }
}

function attributes(layer: Layer): object[] {
  if (layer instanceof Dense) return [{ name: 'transB', type: attributeType.int, i: 1 }];
  // ReLU is a LeakyReLU of slope 0, so ask the type: Relu takes no alpha.
  if (layer instanceof LeakyReLU && layer.type === 'leaky-relu') {
    return [{ name: 'alpha', type: attributeType.float, f: layer.slope }];
  }
  if (layer.type === 'softmax') return [{ name: 'axis', type: attributeType.int, i: -1 }];
  return [];
}

/**
 * The constant inputs a layer's node takes after the data: a Dense layer's weights and bias, a
 * Dropout's ratio (which inference ignores, but keeps the architecture on a round trip).
 */
function parameterInputs(layer: Layer, name: string, initializers: object[]): string[] {
  if (layer instanceof Dense) {
    const dims = [layer.outputs, layer.inputs];
    initializers.push(tensorProto(`${name}.weights`, dims, 'float', layer.weights.value.data));
    initializers.push(tensorProto(`${name}.bias`, [layer.outputs], 'float', layer.bias.value.data));
    return [`${name}.weights`, `${name}.bias`];
  }
  if (layer instanceof Dropout) {
    initializers.push(tensorProto(`${name}.ratio`, [], 'float', [layer.rate]));
    return [`${name}.ratio`];
  }
  return [];
}

/** A graph input or output: float, [batch, width], with the batch size left open. */
function valueInfo(name: string, width: number): object {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: dataType.float,
        shape: { dim: [{ dim_param: 'batch' }, { dim_value: width }] },
      },
    },
  };
}
