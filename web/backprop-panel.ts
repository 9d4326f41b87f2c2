// One step of gradient descent on the current digit, made visible: what each output should do,
// the nudges that asks of the last hidden layer, and how the weights would move. The step is
// worked out on a copy of the network; "Take this step" applies it to the real one.
import {
  createLoss, createOptimizer, Tensor, type Backend, type LossName, type Network,
} from '../src/index.js';
import type { AppState } from './app-state.js';
import { paintSigned, pixelCanvas } from './paint-pixels.js';
import { paintBars } from './weight-bars.js';
import { Repaint } from './repaint.js';
import { cloneNetwork, copyWeights, setWeights } from './weights.js';

/** First-layer neurons whose weight change is drawn: those the step moves most. */
const shownFirstLayer = 8;

export interface BackpropElements {
  target: HTMLSelectElement;
  rate: HTMLInputElement;
  apply: HTMLButtonElement;
  undo: HTMLButtonElement;
  errors: HTMLCanvasElement;
  nudges: HTMLCanvasElement;
  nudgesTitle: HTMLElement;
  outputChange: HTMLCanvasElement;
  firstChange: HTMLElement;
  result: HTMLElement;
}

export class BackpropPanel {
  private copy: Network | undefined;
  private copyOf: Network | undefined;
  private targetChosen = false;
  private before: Float32Array[] | undefined;
  /** Recomputes at most once per frame, and not while off screen: it should not slow drawing. */
  private readonly repaint: Repaint;
  /** What the last step did, shown until the input changes. */
  private stepReport: { text: string; inputVersion: number } | undefined;
  private readonly firstTiles: { tile: HTMLElement; canvas: HTMLCanvasElement; caption: HTMLElement }[] = [];
  /** The digit and its one-hot target, made once. */
  private x: Tensor | undefined;
  private y: Tensor | undefined;
  private xBackend: Backend | undefined;

  constructor(private readonly state: AppState, private readonly elements: BackpropElements) {
    for (let digit = 0; digit < 10; digit++) elements.target.add(new Option(String(digit), String(digit)));
    elements.target.addEventListener('change', () => {
      this.targetChosen = true;
      this.repaint.request();
    });
    elements.rate.addEventListener('input', () => this.repaint.request());
    elements.apply.addEventListener('click', () => this.apply());
    elements.undo.addEventListener('click', () => this.undo());
    state.on('update', () => {
      // A new digit from anywhere but the pen resets the target to its label or the guess.
      if (state.inputSource !== 'drawing') {
        this.targetChosen = false;
      }
      this.repaint.request();
    });
    state.on('model', () => {
      this.before = undefined;
      this.elements.undo.disabled = true;
    });
    elements.undo.disabled = true;
    this.repaint = new Repaint(elements.errors.closest('section') ?? elements.errors, () => this.show());
  }

  /** The cost the shown model was trained with, or the natural one for its output layer. */
  private lossName(): LossName {
    const recorded = this.state.model.info.loss;
    if (recorded === 'mse' || recorded === 'cross-entropy') return recorded;
    const layers = this.state.network.neuronLayers();
    return layers[layers.length - 1].squish === 'softmax' ? 'cross-entropy' : 'mse';
  }

  private rate(): number {
    const rate = Number(this.elements.rate.value);
    return rate > 0 && Number.isFinite(rate) ? rate : 0;
  }

  private target(): number {
    if (!this.targetChosen) {
      const automatic = this.state.inputLabel ?? this.state.guess();
      this.elements.target.value = String(automatic);
    }
    return Number(this.elements.target.value);
  }

  /** Forward, cost and backpropagation on a copy of the network for the current digit. */
  private gradients(): { network: Network; cost: number; target: number } | undefined {
    const shown = this.state.network;
    if (shown.outputSize !== 10 || shown.inputSize !== 784) return undefined;
    if (this.copyOf !== shown) {
      this.copy = cloneNetwork(shown);
      this.copyOf = shown;
    } else {
      setWeights(this.copy!, copyWeights(shown));
    }
    const network = this.copy!;
    const target = this.target();
    if (this.x === undefined || this.xBackend !== network.backend) {
      this.x = new Tensor([1, 784], network.backend.alloc(784));
      this.y = new Tensor([1, 10], network.backend.alloc(10));
      this.xBackend = network.backend;
    }
    const x = this.x;
    const y = this.y!;
    x.data.set(this.state.input);
    y.data.fill(0);
    y.data[target] = 1;
    // Outside training mode, so that dropout (if any) does not change the digit being explained.
    network.forward(x, false);
    const cost = network.loss(createLoss(this.lossName()), y);
    network.backward();
    return { network, cost, target };
  }

  private show(): void {
    const result = this.gradients();
    if (result === undefined) return;
    const { network, cost, target } = result;
    const layers = network.neuronLayers();
    const top = layers[layers.length - 1];
    const lastDense = top.dense!;
    const output = top.activation!.data;
    const wanted = new Float32Array(10);
    for (let j = 0; j < 10; j++) wanted[j] = (j === target ? 1 : 0) - output[j];
    paintBars(this.elements.errors, wanted, { labels: digitLabels(), highlight: target, height: 120 });

    // dC/dz of the outputs is the last layer's bias gradient (one example); the nudges asked of
    // the layer below are −dC/da = −(dC/dz)·W, one matrix product through the backend.
    const hidden = layers[layers.length - 2];
    const dz = new Tensor([1, 10], lastDense.bias.grad.data);
    const da = new Tensor([1, lastDense.inputs], network.backend.alloc(lastDense.inputs));
    network.backend.matmul(da, dz, lastDense.weights.value, false, false);
    const nudges = Float32Array.from(da.data, (v) => -v);
    const hiddenName = layers.length - 2 === 0 ? 'the input pixels' : `hidden layer ${layers.length - 2}`;
    this.elements.nudgesTitle.textContent = `2. The nudges this asks of ${hiddenName}`;
    paintBars(this.elements.nudges, nudges, {
      labels: hidden.size <= 32 ? Array.from({ length: hidden.size }, (_, i) => String(i)) : undefined,
      height: 120,
    });

    const rate = this.rate();
    const change = Float32Array.from(lastDense.weights.grad.data, (g) => -rate * g);
    const range = paintSigned(this.elements.outputChange, change, lastDense.inputs, 10);
    this.elements.outputChange.dataset.range = range.toExponential(2);

    this.showFirstLayer(network, rate);
    const probability = output[target];
    if (this.stepReport !== undefined && this.stepReport.inputVersion !== this.state.inputVersion) {
      this.stepReport = undefined;
    }
    this.elements.result.textContent = this.stepReport?.text ??
      `Cost for this digit C = ${cost.toFixed(3)}; the network gives “${target}” ` +
        (top.squish === 'softmax'
          ? `a probability of ${(probability * 100).toFixed(1)}%. `
          : `an output of ${probability.toFixed(3)}. `) +
        `A step of η = ${rate} moves every weight by −η × its gradient.`;
  }

  private showFirstLayer(network: Network, rate: number): void {
    const first = network.neuronLayers()[1].dense!;
    if (first.inputs !== 784) {
      this.elements.firstChange.replaceChildren();
      return;
    }
    const delta = first.bias.grad.data;
    const order = Array.from({ length: first.outputs }, (_, j) => j)
      .sort((a, b) => Math.abs(delta[b]) - Math.abs(delta[a]))
      .slice(0, shownFirstLayer);
    let range = 0;
    const changes = order.map((j) => {
      const gradient = first.weights.grad.data.subarray(j * 784, (j + 1) * 784);
      const change = Float32Array.from(gradient, (g) => -rate * g);
      for (const value of change) range = Math.max(range, Math.abs(value));
      return { j, change };
    });
    // The tiles are made once and repainted: this panel updates with every stroke and step.
    while (this.firstTiles.length < changes.length) {
      const tile = document.createElement('figure');
      tile.className = 'tile still';
      const canvas = pixelCanvas('heat-map', '');
      const caption = document.createElement('figcaption');
      caption.className = 'under';
      tile.append(canvas, caption);
      this.firstTiles.push({ tile, canvas, caption });
    }
    const tiles = this.firstTiles.slice(0, changes.length);
    changes.forEach(({ j, change }, k) => {
      const { canvas, caption } = tiles[k];
      paintSigned(canvas, change, 28, 28, range > 0 ? range : 1);
      canvas.setAttribute('aria-label', `Change of hidden neuron ${j}'s weights`);
      caption.textContent = `neuron ${j}`;
    });
    if (this.elements.firstChange.childElementCount !== tiles.length) {
      this.elements.firstChange.replaceChildren(...tiles.map((t) => t.tile));
    }
  }

  private apply(): void {
    const network = this.state.network;
    const result = this.gradients();
    if (result === undefined) return;
    const before = result.network.neuronLayers();
    const probabilityBefore = before[before.length - 1].activation!.data[result.target];
    this.before = copyWeights(network);
    // The copy's gradients are the real network's: same weights, same digit.
    const optimizer = createOptimizer(network.backend, 'sgd', { learningRate: this.rate() });
    const params = network.params();
    const copyParams = result.network.params();
    params.forEach((param, i) => param.grad.data.set(copyParams[i].grad.data));
    optimizer.step(params);
    this.state.weightsChanged();
    const probabilityAfter = this.state.output()[result.target];
    this.elements.undo.disabled = false;
    this.stepReport = {
      text: `One step taken: the output for “${result.target}” went from ` +
        `${(probabilityBefore * 100).toFixed(1)}% to ${(probabilityAfter * 100).toFixed(1)}%. ` +
        'Training is this, repeated for thousands of digits, ' +
        'each nudge averaged over a mini-batch.',
      inputVersion: this.state.inputVersion,
    };
    this.elements.result.textContent = this.stepReport.text;
  }

  private undo(): void {
    if (this.before === undefined) return;
    setWeights(this.state.network, this.before);
    this.before = undefined;
    this.elements.undo.disabled = true;
    this.state.weightsChanged();
  }
}

function digitLabels(): string[] {
  return Array.from({ length: 10 }, (_, i) => String(i));
}
