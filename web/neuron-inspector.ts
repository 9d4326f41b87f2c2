// One neuron opened up: its incoming weights (a 28×28 picture for the first hidden layer, bars
// deeper in), its bias as a threshold, its weighted sum z = w·a + b with the inputs that add the
// most, its squishification curve with today's z marked, and the test digits that excite it.
import { Tensor } from '../src/index.js';
import type { AppState, NeuronAddress } from './app-state.js';
import { neuronName } from './network-view.js';
import { paintGrey, paintSigned, pixelCanvas } from './paint-pixels.js';
import { SquishCurve, squishFormula } from './squish-curve.js';
import { paintBars } from './weight-bars.js';
import { Repaint } from './repaint.js';

/** How many of the largest contributions w_i·a_i to list. */
const listedContributions = 5;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K, className?: string, content?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (content !== undefined) node.textContent = content;
  return node;
}

/** A number with its sign always written, and a true minus sign: "+0.25", "−1.30". */
export function signed(value: number, digits = 2): string {
  const fixed = Math.abs(value).toFixed(digits);
  return `${isNegative(value, digits) ? '−' : '+'}${fixed}`;
}

/** A number with a true minus sign when negative, and no "−0.00". */
export function plain(value: number, digits = 2): string {
  const fixed = Math.abs(value).toFixed(digits);
  return isNegative(value, digits) ? `−${fixed}` : fixed;
}

/** Negative as written to `digits` places (so −0.001 to two places is not). */
function isNegative(value: number, digits: number): boolean {
  return value < 0 && Number(Math.abs(value).toFixed(digits)) !== 0;
}

export class NeuronInspector {
  private readonly title = element('h2', 'inspector-title');
  private readonly body = element('div', 'inspector-body');
  private readonly curve: SquishCurve;
  private readonly curveBox = element('div', 'curve');
  private products = new Float32Array(0);
  /** The neuron whose figures are built ("layer:index"), and whether its weights changed since. */
  private shownFor: string | undefined;
  private weightsChanged = false;
  // Parts kept between updates, so that drawing only changes the numbers.
  private readout = element('div', 'readout');
  private weightsFigure = element('figure', 'weights-figure');
  private sumBox = element('div', 'weighted-sum');
  private biasBox = element('p', 'bias');
  private curveCaption = element('figcaption');
  private excites = element('div', 'excites');
  private readonly refreshLater: Repaint;

  constructor(private readonly state: AppState, private readonly root: HTMLElement) {
    const header = element('header', 'inspector-header');
    const close = element('button', 'close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close the neuron inspector');
    close.addEventListener('click', () => state.select(undefined));
    header.append(this.title, close);
    // The scroller lets the panel take the height of its row rather than set it.
    const scroller = element('div', 'inspector-scroll');
    scroller.append(header, this.body);
    root.append(scroller);
    this.curve = new SquishCurve(this.curveBox);
    state.on('select', () => this.rebuild());
    state.on('model', () => this.rebuild());
    state.on('weights', () => (this.weightsChanged = true));
    // Coalesced to one refresh per frame; while training streams weights in from an animation
    // frame, this lands on the next frame, spreading the page's work over two.
    this.refreshLater = new Repaint(root, () => this.refresh());
    state.on('update', () => this.refreshLater.request());
    state.on('analysis', () => this.paintExcites());
    this.rebuild();
  }

  private rebuild(): void {
    const selected = this.state.selected;
    this.shownFor = undefined;
    this.root.classList.toggle('empty', selected === undefined);
    if (selected === undefined) {
      this.title.textContent = 'Open a neuron';
      const hint = element('p', 'hint');
      hint.innerHTML =
        'Click any neuron in the picture (or press <kbd>Tab</kbd> to reach the network, ' +
        '<kbd>←</kbd><kbd>↑</kbd><kbd>→</kbd><kbd>↓</kbd> to move and <kbd>Enter</kbd> to open) ' +
        'to see what it weighs, where its threshold sits and how it squishes its sum.';
      this.body.replaceChildren(hint);
      return;
    }
    const layers = this.state.network.neuronLayers();
    this.title.textContent = capitalise(neuronName(selected, layers.length));
    this.weightsFigure = element('figure', 'weights-figure');
    this.readout = element('div', 'readout');
    this.excites = element('div', 'excites');
    if (selected.layer === 0) {
      const note = element('p', 'note',
        'An input neuron just holds one pixel’s brightness, from 0 (black) to 1 (white). It has no ' +
        'weights and no bias. Below are the weights it sends into the first hidden layer.');
      this.body.replaceChildren(this.readout, note, this.weightsFigure);
    } else {
      const sumSection = element('section', 'sum-section');
      sumSection.append(element('h3', undefined, 'Weighted sum'), this.sumBox);
      const biasSection = element('section', 'bias-section');
      biasSection.append(element('h3', undefined, 'Bias: the threshold'), this.biasBox);
      const curveFigure = element('figure', 'curve-figure');
      curveFigure.append(element('h3', undefined, 'Squishification'), this.curveBox, this.curveCaption);
      const excitesSection = element('section', 'excites-section');
      excitesSection.append(element('h3', undefined, 'Test digits that excite it most'), this.excites);
      this.body.replaceChildren(
        this.readout, this.weightsFigure, biasSection, sumSection, curveFigure, excitesSection,
      );
      this.paintExcites();
    }
    this.refresh();
  }

  /** Updates what changes with the input (and, after training, with the weights). */
  private refresh(): void {
    const selected = this.state.selected;
    if (selected === undefined) return;
    const layers = this.state.network.neuronLayers();
    if (selected.layer >= layers.length || selected.index >= layers[selected.layer].size) return;
    const key = `${selected.layer}:${selected.index}`;
    if (this.shownFor !== key) {
      this.buildWeights(selected);
      this.shownFor = key;
      this.weightsChanged = true;
    }
    if (this.weightsChanged) {
      this.weightsChanged = false;
      // Bars size themselves to the laid-out width, so a new figure paints on the next frame.
      if (this.weightsFigure.isConnected && this.weightsFigure.clientWidth > 0) this.repaintWeights();
      else requestAnimationFrame(() => this.repaintWeights());
    }
    if (selected.layer === 0) {
      this.setReadout([['brightness a', plain(this.state.seenPixels()[selected.index], 3)]]);
      return;
    }
    const neuron = this.state.network.neuron(selected.layer, selected.index);
    this.setReadout([
      ['activation a', plain(neuron.activation, 3)],
      ['sum z', plain(neuron.z!, 2)],
      ['bias b', plain(neuron.bias!, 2)],
    ]);
    this.readout.style.setProperty('--light', String(Math.min(1, Math.max(0, neuron.activation))));
    this.paintSum(selected, neuron.z!, neuron.bias!);
    this.paintBias(selected, neuron.bias!);
    this.curve.show(this.state.network, selected.layer, selected.index);
    const squish = layers[selected.layer].squish;
    this.curveCaption.textContent =
      `${squishFormula(squish)}. Today z = ${plain(neuron.z!)} gives a = ${plain(neuron.activation, 3)}.`;
    if (selected.layer === 1 && this.contributionCanvas !== undefined) {
      paintSigned(this.contributionCanvas, this.products, 28, 28, this.contributionRange());
    }
  }

  private contributionCanvas: HTMLCanvasElement | undefined;

  /** Writes the readout's numbers, making its boxes only when their labels change. */
  private setReadout(values: [label: string, amount: string][]): void {
    const labels = values.map(([label]) => label).join('|');
    if (this.readout.dataset.labels !== labels) {
      this.readout.dataset.labels = labels;
      this.readout.replaceChildren(
        ...values.map(([label], i) => value(label, '', i === 0 ? 'activation' : '')),
      );
    }
    this.readout.querySelectorAll('.amount').forEach((amount, i) => (amount.textContent = values[i][1]));
  }

  private contributionRange(): number | undefined {
    let largest = 0;
    for (let i = 0; i < this.products.length; i++) largest = Math.max(largest, Math.abs(this.products[i]));
    return largest > 0 ? largest : 1;
  }

  /**
   * Builds the weights figure for the open neuron, and keeps a function that repaints it into
   * the same canvases: training changes the weights ten times a second, and new canvases each
   * time would cost far more than repainting.
   */
  private buildWeights(selected: NeuronAddress): void {
    const network = this.state.network;
    const layers = network.neuronLayers();
    const figure = this.weightsFigure;
    this.contributionCanvas = undefined;
    if (selected.layer === 0) {
      const dense = layers[1].dense!;
      const canvas = element('canvas', 'bars');
      figure.replaceChildren(element('h3', undefined, 'Outgoing weights'), canvas,
        element('figcaption', undefined, 'One bar per neuron of hidden layer 1: blue positive, red negative.'));
      this.repaintWeights = () => {
        const outgoing = new Float32Array(dense.outputs);
        for (let j = 0; j < dense.outputs; j++) {
          outgoing[j] = dense.weights.value.data[j * dense.inputs + selected.index];
        }
        paintBars(canvas, outgoing, { labels: indexLabels(outgoing.length) });
      };
      return;
    }
    const dense = layers[selected.layer].dense!;
    const incoming = (): Float32Array | Float64Array =>
      dense.weights.value.data.subarray(selected.index * dense.inputs, (selected.index + 1) * dense.inputs);
    if (selected.layer === 1 && dense.inputs === 784) {
      const weightCanvas = pixelCanvas(
        'heat-map', `Incoming weights of ${neuronName(selected, layers.length)}, as a 28 by 28 picture`,
      );
      this.contributionCanvas = pixelCanvas('heat-map', 'Each weight times its pixel for the current input');
      const pair = element('div', 'heat-pair');
      const left = element('div');
      left.append(weightCanvas, element('span', 'under', 'weights w'));
      const right = element('div');
      right.append(this.contributionCanvas, element('span', 'under', 'w × a, this input'));
      pair.append(left, right);
      const caption = element('figcaption');
      figure.replaceChildren(element('h3', undefined, 'Incoming weights'), pair, caption);
      this.repaintWeights = () => {
        const range = paintSigned(weightCanvas, incoming(), 28, 28);
        caption.textContent =
          'One weight per pixel, in the pixel’s place: blue pulls z up when that pixel is lit, ' +
          `red pulls it down (brightest at ±${range.toFixed(2)}). Right: where this input’s ink meets them.`;
      };
      return;
    }
    const canvas = element('canvas', 'bars');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `Incoming weights of ${neuronName(selected, layers.length)}, as bars`);
    figure.replaceChildren(element('h3', undefined, 'Incoming weights'), canvas,
      element('figcaption', undefined,
        `One bar per neuron of ${selected.layer === 2 ? 'the first hidden layer' : 'the layer before'}: ` +
        'blue bars raise z when that neuron is lit, red bars lower it.'));
    this.repaintWeights = () => paintBars(canvas, incoming(), { labels: indexLabels(dense.inputs) });
  }

  private repaintWeights: () => void = () => {};

  private paintSum(selected: NeuronAddress, z: number, bias: number): void {
    const network = this.state.network;
    const layers = network.neuronLayers();
    const dense = layers[selected.layer].dense!;
    const inputs = dense.inputs;
    if (this.products.length !== inputs) this.products = new Float32Array(inputs);
    const previous = layers[selected.layer - 1].activation!;
    // w_i · a_i for every input, through the backend's elementwise kernel.
    const row = dense.weights.value.data.subarray(selected.index * inputs, (selected.index + 1) * inputs);
    const w = new Tensor([inputs], row);
    const a = new Tensor([inputs], previous.data.subarray(0, inputs));
    network.backend.multiply(new Tensor([inputs], this.products), w, a);
    const order = Array.from({ length: inputs }, (_, i) => i)
      .filter((i) => this.products[i] !== 0)
      .sort((p, q) => Math.abs(this.products[q]) - Math.abs(this.products[p]))
      .slice(0, listedContributions);

    const formula = element('p', 'formula');
    formula.innerHTML =
      '<var>z</var> = <var>w</var>·<var>a</var> + <var>b</var> = ' +
      `${plain(z - bias)} ${bias < 0 ? '−' : '+'} ` +
      `${Math.abs(bias).toFixed(2)} = <strong>${plain(z)}</strong>`;
    const list = element('ol', 'contributions');
    for (const i of order) {
      const item = element('li');
      const source = selected.layer === 1 && inputs === 784
        ? `pixel (${Math.floor(i / 28)}, ${i % 28})`
        : `neuron ${i}`;
      const product = this.products[i];
      item.append(
        element('span', 'source', source),
        element('span', `amount ${product >= 0 ? 'up' : 'down'}`, signed(product)),
        element('span', 'factors', `w ${plain(w.data[i])} × a ${plain(a.data[i])}`),
      );
      list.append(item);
    }
    const lead = element('p', 'lead', order.length > 0
      ? 'The inputs that add the most to it now:'
      : 'Nothing feeds it now: every input it weighs is dark.');
    this.sumBox.replaceChildren(formula, lead, list);
  }

  private paintBias(selected: NeuronAddress, bias: number): void {
    const squish = this.state.network.neuronLayers()[selected.layer].squish;
    const threshold = -bias;
    const passes = `passes ${plain(threshold)}`;
    const sum = 'w·a, the weighted sum of its inputs,';
    let text: string;
    switch (squish) {
      case 'sigmoid':
        text = `It is more on than off (a > ½) only when ${sum} ${passes}.`;
        break;
      case 'relu':
      case 'leaky-relu':
        text = `It fires at all (a > 0) only when ${sum} ${passes}.`;
        break;
      case 'softmax':
        text = 'It raises or lowers this digit’s score before the softmax weighs the ten outputs ' +
          'against each other.';
        break;
      default:
        text = `Its activation turns positive only when ${sum} ${passes}.`;
    }
    this.biasBox.textContent = `b = ${plain(bias)}. ${text}`;
  }

  private paintExcites(): void {
    const selected = this.state.selected;
    if (selected === undefined || selected.layer === 0) return;
    const analysis = this.state.analysis;
    const test = this.state.testSet;
    if (analysis === undefined || test === undefined) {
      this.excites.replaceChildren(element('p', 'hint', 'Measuring the 10,000 test digits…'));
      return;
    }
    const count = analysis.topCount;
    const start = selected.index * count;
    const indices = analysis.top[selected.layer]?.subarray(start, start + count);
    if (indices === undefined) return;
    const strip = element('div', 'digit-strip');
    for (const index of indices) {
      if (index < 0) continue;
      const canvas = pixelCanvas('thumb', `Test digit ${index}, a ${test.label(index)}`);
      paintGrey(canvas, test.pixels.subarray(index * 784, (index + 1) * 784), 28, 28, 1 / 255);
      strip.append(canvas);
    }
    const note = element('p', 'note',
      selected.layer === this.state.network.neuronLayers().length - 1
        ? `Of the 10,000 test digits, these light it most: the ones it is surest are a “${selected.index}”.`
        : 'The video hoped each hidden neuron would catch one stroke or loop. Look at what these ' +
          'digits share: often something, rarely one clean stroke. The network works anyway.');
    this.excites.replaceChildren(strip, note);
  }
}

function value(label: string, amount: string, className = ''): HTMLElement {
  const box = element('div', `value ${className}`.trim());
  box.append(element('span', 'label', label), element('span', 'amount', amount));
  return box;
}

function indexLabels(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i));
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
