import type { Backend } from './backend/backend.js';
import { defaultBackend } from './backend/select.js';
import type { Layer, LayerSpec, Param } from './layers/layer.js';
import type { Loss } from './losses/loss.js';
import { Activation } from './layers/activation.js';
import { Dense } from './layers/dense.js';
import { Sigmoid } from './layers/sigmoid.js';
import { LeakyReLU, ReLU } from './layers/relu.js';
import { Tanh } from './layers/tanh.js';
import { Softmax } from './layers/softmax.js';
import { Dropout } from './layers/dropout.js';
import { Deskew } from './layers/deskew.js';
import { initialize, type Initializer } from './initializers.js';
import { Random } from './random.js';
import { reuseTensor, Tensor } from './tensor.js';

export interface NetworkOptions {
  /** Where the maths runs; defaults to the one selectBackend picked (the reference at first). */
  backend?: Backend;
  /** Seeds initialisation and dropout. Default 1. Ignored when `random` is given. */
  seed?: number;
  /** The generator to draw from, shared with training so that one seed fixes the whole run. */
  random?: Random;
  /** How to draw the first weights. Default: he before ReLU-like layers, else glorot. */
  initializer?: Initializer;
}

/**
 * One layer as the video draws it: a column of neurons. Layer 0 is the input pixels; layer L ≥ 1
 * is the L-th Dense layer together with the squishification that follows it.
 */
export interface NeuronLayer {
  /** Neurons in this layer. */
  readonly size: number;
  /** The Dense layer whose weighted sums feed these neurons (undefined for the input layer). */
  readonly dense: Dense | undefined;
  /** The squishification's name ("sigmoid", "relu", "softmax", ...), or "identity". */
  readonly squish: string;
  /** Weighted sums z of the last forward pass, [batch, size] (undefined for the input layer). */
  readonly z: Tensor | undefined;
  /** Activations of the last forward pass, [batch, size]. */
  readonly activation: Tensor | undefined;
}

/** One neuron of the last forward pass, in the video's terms. */
export interface Neuron {
  layer: number;
  index: number;
  activation: number;
  /** z = w·a + b; undefined for input pixels. */
  z: number | undefined;
  /** Incoming weights, one per neuron of the previous layer (a copy). */
  weights: Float32Array | undefined;
  bias: number | undefined;
}

/**
 * Layers in order. forward() keeps every layer's input and output, backward() walks the layers in
 * reverse using only what forward kept.
 */
export class Network {
  readonly layers: readonly Layer[];
  readonly backend: Backend;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly random: Random;
  private dy: Tensor | undefined;
  private lastInput: Tensor | undefined;
  /** The index of the first layer with parameters; backward stops there. */
  private readonly firstLearning: number;

  constructor(specs: readonly LayerSpec[], options: NetworkOptions = {}) {
    if (specs.length === 0) throw new RangeError('Network: needs at least one layer');
    const first = specs[0];
    if (first.type !== 'dense' && first.type !== 'deskew') {
      throw new RangeError('Network: the first layer must be dense (or deskew, then dense)');
    }
    this.backend = options.backend ?? defaultBackend();
    this.random = options.random ?? new Random(options.seed ?? 1);
    const layers: Layer[] = [];
    let width = first.type === 'dense' ? first.inputs : first.width * first.height;
    for (const [i, spec] of specs.entries()) {
      const layer = buildLayer(spec, this.backend, this.random);
      try {
        width = layer.outputSize(width);
      } catch (error) {
        throw new RangeError(`Network: layer ${i} (${layer}): ${(error as Error).message}`);
      }
      layers.push(layer);
    }
    this.layers = layers;
    this.firstLearning = Math.max(0, layers.findIndex((layer) => layer.params.length > 0));
    this.inputSize = first.type === 'dense' ? first.inputs : first.width * first.height;
    this.outputSize = width;
    for (const [i, layer] of layers.entries()) {
      if (layer instanceof Dense) {
        initialize(layer, options.initializer ?? defaultInitializer(layers[i + 1]), this.random);
      }
    }
  }

  /**
   * The usual multilayer perceptron: Dense layers of the given sizes, each hidden one followed by
   * `activation`, and the last one by `output`. sizes [784, 16, 16, 10] is the video's network.
   * With `deskew`, a Deskew layer straightens each input image first.
   */
  static perceptron(
    sizes: readonly number[],
    activation: ActivationName = 'sigmoid',
    output: ActivationName = activation,
    options: NetworkOptions & { dropout?: number; deskew?: { width: number; height: number } } = {},
  ): Network {
    if (sizes.length < 2) throw new RangeError('Network.perceptron: needs at least two sizes');
    const specs: LayerSpec[] = options.deskew ? [{ type: 'deskew', ...options.deskew }] : [];
    for (let i = 1; i < sizes.length; i++) {
      specs.push({ type: 'dense', inputs: sizes[i - 1], outputs: sizes[i] });
      const last = i === sizes.length - 1;
      specs.push(activationSpec(last ? output : activation));
      if (!last && options.dropout) specs.push({ type: 'dropout', rate: options.dropout });
    }
    return new Network(specs, options);
  }

  /**
   * x: [batch, inputSize] → the last layer's output [batch, outputSize]. Given the `loss` that
   * loss() or lossInto() will take next, a final layer fused with it (Softmax or Sigmoid under
   * cross-entropy) only keeps its input, and the output returned holds its values once the loss
   * has computed them, rather than being computed twice.
   */
  forward(x: Tensor, training = false, loss?: Loss): Tensor {
    if (x.shape.length !== 2 || x.shape[1] !== this.inputSize) {
      throw new RangeError(
        `Network: expected input [batch, ${this.inputSize}], got [${x.shape.join(', ')}]`,
      );
    }
    this.lastInput = x;
    let a = x;
    // An indexed loop: for...of would allocate an iterator on every batch.
    const layers = this.layers;
    const last = layers[layers.length - 1];
    const fused = loss !== undefined && last instanceof Activation && loss.fusesWith(last);
    const end = fused ? layers.length - 1 : layers.length;
    for (let i = 0; i < end; i++) a = layers[i].forward(a, training);
    return fused ? (last as Activation).accept(a) : a;
  }

  /**
   * After forward(): the batch mean loss against `target`, leaving its gradient ready for
   * backward(). A loss fused with the final layer (cross-entropy after Softmax or Sigmoid) reads
   * that layer's z, writes its output, and stands in for its backward.
   */
  loss(loss: Loss, target: Tensor): number {
    this.lossInto(this.lossValue, loss, target);
    return this.lossValue[0];
  }

  /**
   * loss(), writing the batch mean loss into out[0] instead of returning it. Training reads it
   * there: a number returned from a call that V8 does not inline is boxed, 16 bytes a batch.
   */
  lossInto(out: Float64Array, loss: Loss, target: Tensor): void {
    const last = this.layers[this.layers.length - 1];
    if (last.output === undefined) throw new Error('Network.loss: call forward first');
    this.fusedLoss = loss.fusesWith(last);
    const input = this.fusedLoss ? last.input! : last.output;
    if (target.shape[0] !== input.shape[0] || target.shape[1] !== input.shape[1]) {
      throw new RangeError(
        `Network.loss: target [${target.shape.join(', ')}] does not match output [${input.shape.join(', ')}]`,
      );
    }
    this.dy = reuseTensor(this.backend, this.dy, input.shape);
    loss.compute(this.backend, out, this.dy, input, last.output, target, last);
  }

  private fusedLoss = false;
  /** Where loss() has lossInto() write. */
  private readonly lossValue = new Float64Array(1);

  /** Backpropagation: fills every parameter's grad from the gradient that loss() left. */
  backward(): void {
    if (this.dy === undefined) throw new Error('Network.backward: call loss first');
    let dy: Tensor | undefined = this.dy;
    const top = this.layers.length - (this.fusedLoss ? 2 : 1);
    for (let i = top; i >= this.firstLearning; i--) {
      // Below the first layer with parameters, gradients have no use: that layer's dx would be
      // the gradient for the input pixels, which nobody learns.
      dy = this.layers[i].backward(dy!, i > this.firstLearning);
    }
  }

  /** Every learnable parameter, in layer order (weights before bias). */
  params(): Param[] {
    return this.layers.flatMap((layer) => layer.params);
  }

  /** The Dense layers, in order. */
  denseLayers(): Dense[] {
    return this.layers.filter((layer): layer is Dense => layer instanceof Dense);
  }

  /** Number of learnable numbers. */
  parameterCount(): number {
    return this.params().reduce((total, param) => total + param.value.size, 0);
  }

  /** The video's picture: the input layer, then one layer per Dense and its squishification. */
  neuronLayers(): NeuronLayer[] {
    // The input layer shows what the first Dense layer sees: the deskewed image where there is one.
    const firstDense = this.layers.find((layer): layer is Dense => layer instanceof Dense);
    const result: NeuronLayer[] = [
      { size: this.inputSize, dense: undefined, squish: 'identity', z: undefined, activation: firstDense?.input ?? this.lastInput },
    ];
    for (const [i, layer] of this.layers.entries()) {
      if (!(layer instanceof Dense)) continue;
      const next = this.layers[i + 1];
      const squishes = next !== undefined && !(next instanceof Dense) && !(next instanceof Dropout);
      result.push({
        size: layer.outputs,
        dense: layer,
        squish: squishes ? next.type : 'identity',
        z: layer.output,
        activation: squishes ? next.output : layer.output,
      });
    }
    return result;
  }

  /** Neuron `index` of video layer `layer` (0 = input), for example `example` of the last batch. */
  neuron(layer: number, index: number, example = 0): Neuron {
    const layers = this.neuronLayers();
    const view = layers[layer];
    if (view === undefined) throw new RangeError(`Network.neuron: no layer ${layer} (0..${layers.length - 1})`);
    if (!Number.isInteger(index) || index < 0 || index >= view.size) {
      throw new RangeError(`Network.neuron: layer ${layer} has neurons 0..${view.size - 1}, not ${index}`);
    }
    if (view.activation === undefined) throw new Error('Network.neuron: run forward first');
    const at = example * view.size + index;
    const dense = view.dense;
    return {
      layer,
      index,
      activation: view.activation.data[at],
      z: view.z?.data[at],
      weights: dense
        ? Float32Array.from(dense.weights.value.data.subarray(index * dense.inputs, (index + 1) * dense.inputs))
        : undefined,
      bias: dense?.bias.value.data[index],
    };
  }

  /** The layer specs, to save or rebuild the architecture. */
  specs(): LayerSpec[] {
    return this.layers.map((layer) => layer.spec());
  }

  toString(): string {
    return `Network(${this.layers.map(String).join(' → ')})`;
  }
}

export type ActivationName = 'sigmoid' | 'relu' | 'leaky-relu' | 'tanh' | 'softmax';
export const activationNames: readonly ActivationName[] = ['sigmoid', 'relu', 'leaky-relu', 'tanh', 'softmax'];

function activationSpec(name: ActivationName): LayerSpec {
  switch (name) {
    case 'sigmoid':
    case 'relu':
    case 'tanh':
    case 'softmax':
      return { type: name };
    case 'leaky-relu':
      return { type: 'leaky-relu', slope: 0.01 };
    default:
      throw new RangeError(`unknown activation "${String(name)}": expected one of ${activationNames.join(', ')}`);
  }
}

function buildLayer(spec: LayerSpec, backend: Backend, random: Random): Layer {
  switch (spec.type) {
    case 'dense':
      return new Dense(backend, spec.inputs, spec.outputs);
    case 'sigmoid':
      return new Sigmoid(backend);
    case 'relu':
      return new ReLU(backend);
    case 'leaky-relu':
      return new LeakyReLU(backend, spec.slope);
    case 'tanh':
      return new Tanh(backend);
    case 'softmax':
      return new Softmax(backend);
    case 'dropout':
      return new Dropout(backend, spec.rate, random);
    case 'deskew':
      return new Deskew(backend, spec.width, spec.height);
    default:
      throw new RangeError(`unknown layer type "${(spec as { type: unknown }).type}"`);
  }
}

function defaultInitializer(next: Layer | undefined): Initializer {
  return next instanceof LeakyReLU ? 'he' : 'glorot';
}
