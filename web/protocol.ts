// The messages between the page and its two workers. Weights travel as one Float32Array per
// parameter, in the order of network.params(): weights then bias, layer by layer.
import type { ActivationName, LayerSpec, OptimizerName } from '../src/index.js';

/** What the page asks of a new network to train. */
export interface TrainingSettings {
  /** Layer sizes, input and output included, such as [784, 16, 16, 10]. */
  sizes: number[];
  activation: ActivationName;
  /** 'softmax' pairs with the cross-entropy cost, 'sigmoid' with the squared error (the video's). */
  output: 'softmax' | 'sigmoid';
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  seed: number;
  /** Straighten each digit first (a Deskew layer), as the CLI's presets do. */
  deskew: boolean;
  /** Mini-batches per second at most, so that people can watch it learn; 0 for no limit. */
  pace: number;
}

export type ToTrainer =
  | { type: 'start'; baseUrl: string; settings: TrainingSettings; run: boolean }
  | { type: 'run' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'settings'; learningRate: number; batchSize: number; pace: number };

export interface TrainingProgress {
  type: 'progress';
  /** Batches trained so far. */
  steps: number;
  /** Examples trained so far, across epochs. */
  examples: number;
  /** The epoch in progress, from 1. */
  epoch: number;
  /** The cost of the last batch, and its running average over the last few dozen batches. */
  loss: number;
  smoothLoss: number;
  /** Accuracy on the held-out test digits, measured at `testedAtStep`. */
  testAccuracy: number | undefined;
  testedAtStep: number;
  examplesPerSecond: number;
  running: boolean;
  weights: Float32Array[];
}

export type FromTrainer =
  | { type: 'ready'; specs: LayerSpec[]; trainingExamples: number; testExamples: number; backend: string }
  | TrainingProgress
  | { type: 'error'; message: string };

export interface AnalysisRequest {
  type: 'analyse';
  id: number;
  baseUrl: string;
  specs: LayerSpec[];
  weights: Float32Array[];
  /** How many most-exciting test digits to keep per neuron. */
  topCount: number;
  /** How many confidently wrong test digits to keep. */
  wrongCount: number;
}

/** A test digit the network got wrong, and how sure it was. */
export interface Mistake {
  index: number;
  label: number;
  guess: number;
  /** The guess's output activation (a probability after softmax). */
  confidence: number;
}

export interface AnalysisResult {
  type: 'analysis';
  id: number;
  examples: number;
  accuracy: number;
  /** confusion[label * 10 + guess]: how many test digits of `label` were read as `guess`. */
  confusion: Int32Array;
  /** Most confident first. */
  mistakes: Mistake[];
  /**
   * Per neuron layer (index 0, the input, is empty), topCount test-digit indices per neuron,
   * most excited first: top[layer][neuron * topCount + k].
   */
  top: Int32Array[];
  topCount: number;
}

export type FromAnalyst = AnalysisResult | { type: 'error'; id: number; message: string };
