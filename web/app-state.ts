// What the page is showing: one network, one input digit, and the neuron that is open. Views
// listen for changes and read the network's kept activations (network.neuronLayers()) directly.
import { Tensor, type ImageDataset, type ModelInfo, type Network } from '../src/index.js';
import type { AnalysisResult } from './protocol.js';

export type InputSource = 'empty' | 'drawing' | 'test digit' | 'noise';

export interface ShownModel {
  network: Network;
  info: ModelInfo;
  /** Where it came from, as the page says it: "models/default.gbx", "trained in this page", … */
  name: string;
}

export interface NeuronAddress {
  /** 0 is the input pixels, 1 the first hidden layer, and so on. */
  layer: number;
  index: number;
}

type Event = 'model' | 'weights' | 'update' | 'select' | 'analysis';

export class AppState {
  model: ShownModel;
  /** The 784 pixels the network sees, 0..1. */
  readonly input = new Float32Array(784);
  inputSource: InputSource = 'empty';
  /** Counts input changes, so that a view can tell a new digit from new weights. */
  inputVersion = 0;
  /** The true digit, when the input is a test digit. */
  inputLabel: number | undefined;
  selected: NeuronAddress | undefined;
  analysis: AnalysisResult | undefined;
  testSet: ImageDataset | undefined;
  /** Milliseconds the last update took, from reading the canvas to the last view drawn. */
  lastUpdateMilliseconds = 0;
  private x: Tensor;
  private readonly listeners = new Map<Event, Array<() => void>>();

  constructor(model: ShownModel) {
    this.model = model;
    this.x = this.inputTensor();
    this.forward();
  }

  get network(): Network {
    return this.model.network;
  }

  on(event: Event, listener: () => void): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
  }

  private emit(event: Event): void {
    for (const listener of this.listeners.get(event) ?? []) listener();
  }

  /** Shows a different network (new layers, or a model opened from a file). */
  setModel(model: ShownModel): void {
    this.model = model;
    this.x = this.inputTensor();
    this.analysis = undefined;
    if (this.selected !== undefined) {
      const layers = model.network.neuronLayers();
      const layer = layers[this.selected.layer];
      if (layer === undefined || this.selected.index >= layer.size) this.selected = undefined;
    }
    this.forward();
    this.emit('model');
    this.emit('update');
  }

  /** The shown network's weights changed in place (training, or one backprop step). */
  weightsChanged(): void {
    const started = performance.now();
    this.analysis = undefined;
    this.forward();
    this.emit('weights');
    this.emit('update');
    this.lastUpdateMilliseconds = performance.now() - started;
  }

  /** A new input; `started` is when its making began (reading the canvas), for the timing. */
  setInput(pixels: Float32Array, source: InputSource, label?: number, started = performance.now()): void {
    this.input.set(pixels);
    this.inputVersion++;
    this.inputSource = source;
    this.inputLabel = label;
    this.forward();
    this.emit('update');
    this.lastUpdateMilliseconds = performance.now() - started;
  }

  select(neuron: NeuronAddress | undefined): void {
    this.selected = neuron;
    this.emit('select');
  }

  setAnalysis(analysis: AnalysisResult): void {
    this.analysis = analysis;
    this.emit('analysis');
  }

  /**
   * The 784 pixels the first layer actually reads: the input, or its straightened copy when the
   * network begins with a Deskew layer.
   */
  seenPixels(): Float32Array | Float64Array {
    const pixels = this.network.neuronLayers()[0].activation;
    return pixels === undefined ? this.input : pixels.data.subarray(0, this.input.length);
  }

  /** Whether the network straightens digits before reading them. */
  deskews(): boolean {
    return this.network.layers[0]?.type === 'deskew';
  }

  /** The network's output for the current input (its last layer's activations). */
  output(): Float32Array {
    const layers = this.network.neuronLayers();
    return layers[layers.length - 1].activation!.data as Float32Array;
  }

  /** The most activated output neuron: the network's guess. */
  guess(): number {
    const layers = this.network.neuronLayers();
    this.network.backend.argmaxRows(this.guessBuffer, layers[layers.length - 1].activation!);
    return this.guessBuffer[0];
  }

  private readonly guessBuffer = new Int32Array(1);

  private inputTensor(): Tensor {
    const size = this.model.network.inputSize;
    return new Tensor([1, size], this.model.network.backend.alloc(size));
  }

  private forward(): void {
    this.x.data.set(this.input.subarray(0, this.x.size));
    this.network.forward(this.x, false);
  }
}
