import type { ActivationName, Initializer, LossName, OptimizerName } from '../src/index.js';

/** A complete training recipe. Every field can be overridden by its flag. */
export interface Preset {
  description: string;
  layers: number[];
  activation: ActivationName;
  output: ActivationName;
  loss: LossName;
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  initializer?: Initializer;
  dropout?: number;
  weightDecay?: number;
  /** Multiply the learning rate by this after every epoch. */
  lrDecay?: number;
  /** Straighten each digit before the first layer (a Deskew layer). */
  deskew?: boolean;
}

export const presets: Record<string, Preset> = {
  '3b1b': {
    description: "the video's network: 784-16-16-10, all sigmoid, quadratic cost, deskewed input",
    layers: [784, 16, 16, 10],
    activation: 'sigmoid',
    output: 'sigmoid',
    loss: 'mse',
    optimizer: 'adam',
    learningRate: 0.003,
    batchSize: 32,
    epochs: 30,
    initializer: 'glorot',
    weightDecay: 0.00003,
    lrDecay: 0.96,
    deskew: true,
  },
  default: {
    description: 'the best accuracy for a short training time: deskew, 784-256-10 ReLU, softmax',
    layers: [784, 256, 10],
    activation: 'relu',
    output: 'softmax',
    loss: 'cross-entropy',
    optimizer: 'momentum',
    learningRate: 0.05,
    batchSize: 64,
    epochs: 8,
    lrDecay: 0.85,
    deskew: true,
  },
  fast: {
    description: 'over 98% in the fewest seconds: deskew, 784-256-10 ReLU, two epochs',
    layers: [784, 256, 10],
    activation: 'relu',
    output: 'softmax',
    loss: 'cross-entropy',
    optimizer: 'momentum',
    learningRate: 0.1,
    batchSize: 128,
    epochs: 2,
    lrDecay: 0.4,
    deskew: true,
  },
  best: {
    description: 'the most accurate plain MLP: deskew, 784-800-800-10 ReLU with dropout',
    layers: [784, 800, 800, 10],
    activation: 'relu',
    output: 'softmax',
    loss: 'cross-entropy',
    optimizer: 'momentum',
    learningRate: 0.05,
    batchSize: 64,
    epochs: 20,
    dropout: 0.3,
    lrDecay: 0.9,
    deskew: true,
  },
  nielsen: {
    description: "Nielsen's book, chapter 1: 784-30-10 sigmoid, quadratic cost, SGD η = 3",
    layers: [784, 30, 10],
    activation: 'sigmoid',
    output: 'sigmoid',
    loss: 'mse',
    optimizer: 'sgd',
    learningRate: 3,
    batchSize: 10,
    epochs: 30,
    initializer: 'nielsen-large',
  },
};
