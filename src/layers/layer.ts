import type { Tensor } from '../tensor.js';

/** A learnable tensor and the gradient of the loss with respect to it, filled by backward. */
export interface Param {
  /** "weights" or "bias". */
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
  /** Whether L2 weight decay applies: yes for weights, no for biases (as in Nielsen's book). */
  readonly decay: boolean;
}

/**
 * What a layer is, in data: enough to rebuild it (weights apart). Model files store a list of
 * these, and `new Network(specs)` builds layers from them.
 */
export type LayerSpec =
  | { type: 'dense'; inputs: number; outputs: number }
  | { type: 'sigmoid' }
  | { type: 'relu' }
  | { type: 'leaky-relu'; slope: number }
  | { type: 'tanh' }
  | { type: 'softmax' }
  | { type: 'dropout'; rate: number }
  | { type: 'deskew'; width: number; height: number };

export type LayerType = LayerSpec['type'];

/**
 * One step of the network. forward() keeps what backward() needs, and keeps its output: the
 * kept outputs are the activations the web app draws.
 */
export interface Layer {
  readonly type: LayerType;
  /** The learnable parameters, empty for activation layers. */
  readonly params: readonly Param[];
  /** The input of the last forward pass. */
  readonly input: Tensor | undefined;
  /** The output of the last forward pass. */
  readonly output: Tensor | undefined;
  /**
   * x: [batch, inputs] → [batch, outputs]. `training` turns on what only training does
   * (dropout). The returned tensor is the layer's own and is overwritten by the next call.
   */
  forward(x: Tensor, training: boolean): Tensor;
  /**
   * dy: the loss's gradient with respect to the last output → dx, the gradient with respect to
   * the last input. Fills each param's grad (overwriting it). When `needInputGradient` is false
   * the layer may skip computing dx and return undefined: the first layer's dx has no use.
   */
  backward(dy: Tensor, needInputGradient: boolean): Tensor | undefined;
  /** Output width for a given input width. */
  outputSize(inputSize: number): number;
  spec(): LayerSpec;
  /** Such as "Dense(784→16)" or "Sigmoid". */
  toString(): string;
}
