// The network as the video draws it: the input pixels, then a column of neurons per layer whose
// brightness is their activation, joined by connections coloured by the weight's sign (blue +,
// red −) and drawn stronger for bigger weights. Output neurons carry their digit, and the guess
// is marked. Every neuron is also a button, so it can be hovered, focused and opened.
import type { Dense, NeuronLayer } from '../src/index.js';
import type { AppState, NeuronAddress } from './app-state.js';
import { LineBatch } from './line-batch.js';
import { ScenePainter, SceneRecorder, type Scene } from './scene.js';
import { Visibility } from './visibility.js';
import { ground, guessColour, mutedText, negative, selectionColour, text } from './palette.js';

/** Layers wider than this show their first and last neurons with a gap between. */
const maxVisible = 20;
/** Connections drawn from the input pixels into each first-layer neuron: its strongest weights. */
const pixelConnections = 10;
/** Room on the right for the output labels and probability bars (a phone gets no bars). */
const outputLabelSpace = 124;
const compactOutputLabelSpace = 62;
/** Narrower than this, the picture uses short titles and drops the probability bars. */
const compactWidth = 560;

interface Column {
  x: number;
  radius: number;
  /** Neuron indices shown, in order; -1 marks the gap of a wide layer. */
  shown: number[];
  ys: number[];
}

interface Layout {
  width: number;
  height: number;
  compact: boolean;
  grid: { x: number; y: number; size: number };
  columns: Column[];
}

export function layerName(layer: number, layers: number): string {
  if (layer === 0) return 'input';
  if (layer === layers - 1) return 'output';
  return `hidden layer ${layer}`;
}

export function neuronName(address: NeuronAddress, layers: number): string {
  if (address.layer === 0) {
    return `input pixel (row ${Math.floor(address.index / 28)}, column ${address.index % 28})`;
  }
  if (address.layer === layers - 1) return `output neuron “${address.index}”`;
  return `hidden layer ${address.layer}, neuron ${address.index}`;
}

/** How bright a neuron is drawn: 0..1, and whether its activation is negative. */
function brightness(value: number, scale: number): { light: number; negative: boolean } {
  return { light: Math.min(1, Math.abs(value) / scale), negative: value < 0 };
}

/** Activations past 1 (ReLU) are shown relative to the layer's largest. */
function layerScale(layer: NeuronLayer): number {
  const data = layer.activation?.data;
  if (data === undefined) return 1;
  let largest = 1;
  for (let i = 0; i < layer.size; i++) largest = Math.max(largest, Math.abs(data[i]));
  return largest;
}

export class NetworkView {
  /** Each frame is recorded, then painted by the worker that owns the canvas, or here. */
  private readonly context = new SceneRecorder();
  private readonly paint: (scene: Scene, transfer: Transferable[]) => void;
  private readonly pixels: Uint8ClampedArray<ArrayBuffer> = new Uint8ClampedArray(784 * 4);
  private layout: Layout | undefined;
  private buttons: HTMLButtonElement[][] = [];
  /** Per first-layer neuron, its strongest input pixels. */
  private strongestPixels: Int32Array[] = [];
  private hovered: NeuronAddress | undefined;
  private lastPointer = '';
  private readonly lines = new LineBatch();
  private readonly visibility: Visibility;
  private focusAt: NeuronAddress = { layer: 1, index: 0 };

  constructor(
    private readonly state: AppState,
    private readonly stage: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly overlay: HTMLElement,
    private readonly tooltip: HTMLElement,
  ) {
    this.paint = scenePainterFor(canvas);
    state.on('model', () => {
      this.findStrongestPixels();
      this.relayout();
    });
    state.on('weights', () => {
      this.findStrongestPixels();
      if (this.hasWideLayer()) this.relayout(true);
    });
    state.on('update', () => this.render());
    state.on('select', () => this.render());
    this.visibility = new Visibility(stage, () => this.render());
    new ResizeObserver(() => this.relayout()).observe(stage);
    overlay.addEventListener('keydown', (event) => this.key(event));
    canvas.addEventListener('pointermove', (event) => this.pointOverPixels(event));
    canvas.addEventListener('pointerleave', () => this.hideTooltip());
    canvas.addEventListener('click', (event) => {
      const pixel = this.pixelAt(event);
      if (pixel !== undefined) state.select({ layer: 0, index: pixel });
    });
    this.findStrongestPixels();
    this.relayout();
  }

  private hasWideLayer(): boolean {
    return this.state.network.neuronLayers().some((layer, i) => i > 0 && layer.size > maxVisible);
  }

  /** With `onlyIfChanged`, keeps the layout unless the neurons shown have changed. */
  private relayout(onlyIfChanged = false): void {
    const width = this.stage.clientWidth;
    const height = this.stage.clientHeight;
    if (width === 0 || height === 0) return;
    if (onlyIfChanged && this.layout !== undefined) {
      const next = this.computeLayout(width, height);
      const same = next.columns.every((column, c) =>
        column.shown.join() === this.layout!.columns[c]?.shown.join());
      if (same) return;
    }
    this.layout = this.computeLayout(width, height);
    this.buildButtons();
    this.render();
  }

  private computeLayout(width: number, height: number): Layout {
    const layers = this.state.network.neuronLayers();
    const top = 34;
    const bottom = 40;
    const usable = height - top - bottom;
    const compact = width < compactWidth;
    const gridSize = Math.max(64, Math.min(usable * 0.6, width * (compact ? 0.22 : 0.25), 240));
    const grid = { x: compact ? 4 : 10, y: top + (usable - gridSize) / 2, size: gridSize };
    const shownCounts = layers.slice(1).map((layer) => Math.min(layer.size, maxVisible));
    const most = Math.max(...shownCounts);
    const radius = Math.max(3.5, Math.min(13, usable / (most * 2.5)));
    const left = grid.x + gridSize;
    const right = width - (compact ? compactOutputLabelSpace : outputLabelSpace) - radius;
    const count = layers.length - 1;
    const columns: Column[] = layers.slice(1).map((layer, i) => {
      // Evenly spaced, the first hidden layer a little nearer the pixels than the spacing.
      const fraction = (i + 0.75) / (count - 0.25);
      const shown = shownNeurons(layer.size, layers[i + 2]?.dense);
      const spacing = Math.min(usable / shown.length, radius * 3.3);
      const firstY = top + usable / 2 - (spacing * (shown.length - 1)) / 2;
      return {
        x: left + (right - left) * fraction,
        radius,
        shown,
        ys: shown.map((_, k) => firstY + k * spacing),
      };
    });
    return { width, height, compact, grid, columns };
  }

  private buildButtons(): void {
    const layout = this.layout!;
    const layers = this.state.network.neuronLayers();
    this.overlay.replaceChildren();
    this.buttons = [[]];
    layout.columns.forEach((column, c) => {
      const layer = c + 1;
      const row: HTMLButtonElement[] = [];
      column.shown.forEach((index, k) => {
        if (index < 0) return;
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'neuron-hit';
        button.dataset.layer = String(layer);
        button.dataset.index = String(index);
        const size = Math.max(column.radius * 2 + 6, 16);
        button.style.left = `${column.x - size / 2}px`;
        button.style.top = `${column.ys[k] - size / 2}px`;
        button.style.width = `${size}px`;
        button.style.height = `${size}px`;
        button.tabIndex = -1;
        button.setAttribute('aria-label', neuronName({ layer, index }, layers.length));
        button.addEventListener('click', () => {
          this.state.select({ layer, index });
          // A tap leaves focus (and so the tooltip) behind; on a phone it would cover the picture.
          if (this.lastPointer === 'touch') this.hideTooltip();
        });
        button.addEventListener('pointerdown', (event) => (this.lastPointer = event.pointerType));
        button.addEventListener('pointerenter', () => this.hover({ layer, index }));
        button.addEventListener('pointerleave', () => this.hideTooltip());
        button.addEventListener('focus', () => {
          this.focusAt = { layer, index };
          this.rovingTabStop();
          this.hover({ layer, index });
        });
        button.addEventListener('blur', () => this.hideTooltip());
        row.push(button);
        this.overlay.append(button);
      });
      this.buttons.push(row);
    });
    if (this.buttonAt(this.focusAt) === undefined) {
      // The first neuron shown, not neuron 0: a wide layer shows only its strongest neurons, and
      // without a button to hold it the network would have no tab stop at all.
      const first = this.buttons[1]?.[0];
      this.focusAt = { layer: 1, index: first === undefined ? 0 : Number(first.dataset.index) };
    }
    this.rovingTabStop();
  }

  /** One tab stop for the whole network; arrow keys move between neurons. */
  private rovingTabStop(): void {
    for (const row of this.buttons) for (const button of row) button.tabIndex = -1;
    const current = this.buttonAt(this.focusAt);
    if (current !== undefined) current.tabIndex = 0;
  }

  private buttonAt(address: NeuronAddress): HTMLButtonElement | undefined {
    return this.buttons[address.layer]?.find((button) => Number(button.dataset.index) === address.index);
  }

  private key(event: KeyboardEvent): void {
    const row = this.buttons[this.focusAt.layer];
    if (row === undefined) return;
    const position = row.findIndex((button) => Number(button.dataset.index) === this.focusAt.index);
    let layer = this.focusAt.layer;
    let k = position;
    switch (event.key) {
      case 'ArrowUp':
        k = Math.max(0, position - 1);
        break;
      case 'ArrowDown':
        k = Math.min(row.length - 1, position + 1);
        break;
      case 'ArrowLeft':
        layer = Math.max(1, layer - 1);
        break;
      case 'ArrowRight':
        layer = Math.min(this.buttons.length - 1, layer + 1);
        break;
      case 'Escape':
        this.state.select(undefined);
        return;
      default:
        return;
    }
    event.preventDefault();
    const target = this.buttons[layer];
    const button = target[Math.min(k, target.length - 1)];
    button.focus();
  }

  private hover(address: NeuronAddress): void {
    this.hovered = address;
    this.showTooltip();
  }

  private hideTooltip(): void {
    this.hovered = undefined;
    this.tooltip.hidden = true;
  }

  private showTooltip(anchor?: { x: number; y: number }): void {
    const address = this.hovered;
    const layout = this.layout;
    if (address === undefined || layout === undefined) return;
    const layers = this.state.network.neuronLayers();
    const layer = layers[address.layer];
    const activation = layer.activation?.data[address.index] ?? 0;
    const z = layer.z?.data[address.index];
    const lines = [neuronName(address, layers.length), `activation a = ${activation.toFixed(3)}`];
    if (z !== undefined) lines.push(`weighted sum z = ${z.toFixed(3)}`);
    this.tooltip.replaceChildren(...lines.map((line, i) => {
      const element = document.createElement(i === 0 ? 'strong' : 'span');
      element.textContent = line;
      return element;
    }));
    let x: number;
    let y: number;
    if (anchor !== undefined) {
      ({ x, y } = anchor);
    } else {
      const column = layout.columns[address.layer - 1];
      const k = column.shown.indexOf(address.index);
      x = column.x + column.radius + 8;
      y = column.ys[k] - 10;
    }
    this.tooltip.hidden = false;
    const maxX = layout.width - this.tooltip.offsetWidth - 4;
    this.tooltip.style.left = `${Math.max(4, Math.min(x, maxX))}px`;
    this.tooltip.style.top = `${Math.max(4, y)}px`;
  }

  private pixelAt(event: MouseEvent): number | undefined {
    const layout = this.layout;
    if (layout === undefined) return undefined;
    const box = this.canvas.getBoundingClientRect();
    const x = event.clientX - box.left - layout.grid.x;
    const y = event.clientY - box.top - layout.grid.y;
    if (x < 0 || y < 0 || x >= layout.grid.size || y >= layout.grid.size) return undefined;
    const cell = layout.grid.size / 28;
    return Math.floor(y / cell) * 28 + Math.floor(x / cell);
  }

  private pointOverPixels(event: PointerEvent): void {
    const pixel = this.pixelAt(event);
    if (pixel === undefined) {
      if (this.hovered?.layer === 0) this.hideTooltip();
      return;
    }
    const box = this.canvas.getBoundingClientRect();
    this.hovered = { layer: 0, index: pixel };
    this.showTooltip({ x: event.clientX - box.left + 14, y: event.clientY - box.top + 10 });
  }

  private findStrongestPixels(): void {
    const first = this.state.network.neuronLayers()[1];
    const dense = first?.dense;
    if (dense === undefined || dense.inputs !== 784) {
      this.strongestPixels = [];
      return;
    }
    const weights = dense.weights.value.data;
    this.strongestPixels = Array.from({ length: dense.outputs }, (_, j) =>
      strongest(weights.subarray(j * 784, (j + 1) * 784), pixelConnections));
  }

  render(): void {
    const layout = this.layout;
    // Off screen (scrolled to the training chart, say), the picture waits until it is seen again.
    if (layout === undefined || !this.visibility.visible) return;
    const context = this.context;
    const layers = this.state.network.neuronLayers();
    const selected = this.state.selected;
    context.globalCompositeOperation = 'source-over';
    context.fillStyle = ground;
    context.fillRect(0, 0, layout.width, layout.height);

    this.drawPixels(layout);
    // Light adds up where connections cross, as glowing lines do.
    context.globalCompositeOperation = 'lighter';
    this.drawPixelConnections(layout, layers, selected);
    for (let layer = 2; layer < layers.length; layer++) {
      this.drawConnections(layout, layers, layer, selected);
    }
    context.globalCompositeOperation = 'source-over';
    for (let layer = 1; layer < layers.length; layer++) this.drawNeurons(layout, layers, layer, selected);
    this.drawOutputLabels(layout, layers);
    this.drawCaptions(layout, layers);
    if (this.hovered !== undefined && !this.tooltip.hidden && this.hovered.layer > 0) this.showTooltip();
    const ratio = window.devicePixelRatio || 1;
    const pixels = this.pixels.slice();
    this.paint({
      width: Math.round(layout.width * ratio),
      height: Math.round(layout.height * ratio),
      ratio,
      ops: this.context.take(),
      pixels,
    }, [pixels.buffer]);
  }

  private drawPixels(layout: Layout): void {
    const context = this.context;
    const { x, y, size } = layout.grid;
    const input = this.state.seenPixels();
    for (let p = 0; p < 784; p++) {
      const level = Math.round(Math.min(1, Math.max(0, input[p])) * 255);
      this.pixels[4 * p] = level;
      this.pixels[4 * p + 1] = level;
      this.pixels[4 * p + 2] = level;
      this.pixels[4 * p + 3] = 255;
    }
    context.imageSmoothingEnabled = false;
    context.drawImage('pixels', x, y, size, size);
    context.strokeStyle = 'rgba(255,255,255,0.07)';
    context.lineWidth = 1;
    const cell = size / 28;
    context.beginPath();
    for (let i = 1; i < 28; i++) {
      context.moveTo(x + i * cell, y);
      context.lineTo(x + i * cell, y + size);
      context.moveTo(x, y + i * cell);
      context.lineTo(x + size, y + i * cell);
    }
    context.stroke();
    context.strokeStyle = 'rgba(255,255,255,0.35)';
    context.strokeRect(x - 0.5, y - 0.5, size + 1, size + 1);
    if (this.state.selected?.layer === 0) {
      const index = this.state.selected.index;
      context.strokeStyle = selectionColour;
      context.lineWidth = 2;
      context.strokeRect(x + (index % 28) * cell, y + Math.floor(index / 28) * cell, cell, cell);
    }
  }

  private drawPixelConnections(
    layout: Layout, layers: NeuronLayer[], selected: NeuronAddress | undefined,
  ): void {
    const dense = layers[1]?.dense;
    if (dense === undefined || this.strongestPixels.length === 0) return;
    const context = this.context;
    const column = layout.columns[0];
    const weights = dense.weights.value.data;
    const input = this.state.seenPixels();
    const cell = layout.grid.size / 28;
    let largest = 0;
    for (const pixels of this.strongestPixels) largest = Math.max(largest, Math.abs(weights[pixels[0]]));
    const lines = this.lines;
    column.shown.forEach((j, k) => {
      if (j < 0) return;
      const pixels = this.strongestPixels[j];
      const row = j * 784;
      const focus = selected === undefined || selected.layer !== 1 ? 1 : selected.index === j ? 2.2 : 0.35;
      for (const pixel of pixels) {
        const weight = weights[row + pixel];
        const strength = largest > 0 ? Math.abs(weight) / largest : 0;
        const alpha = strength * (0.1 + 0.8 * input[pixel]) * focus;
        lines.add(
          layout.grid.x + ((pixel % 28) + 0.5) * cell, layout.grid.y + (Math.floor(pixel / 28) + 0.5) * cell,
          column.x - column.radius, column.ys[k], weight, alpha, 0.6 + strength,
        );
      }
    });
    lines.draw(context);
  }

  private drawConnections(
    layout: Layout, layers: NeuronLayer[], layer: number, selected: NeuronAddress | undefined,
  ): void {
    const dense = layers[layer].dense!;
    const context = this.context;
    const from = layout.columns[layer - 2];
    const to = layout.columns[layer - 1];
    const weights = dense.weights.value.data;
    const source = layers[layer - 1];
    const activations = source.activation?.data;
    const scale = layerScale(source);
    let largest = 0;
    for (let i = 0; i < weights.length; i++) largest = Math.max(largest, Math.abs(weights[i]));
    const lines = this.lines;
    to.shown.forEach((j, k) => {
      if (j < 0) return;
      const focus = selected === undefined || selected.layer !== layer ? 1 : selected.index === j ? 2.2 : 0.3;
      from.shown.forEach((i, m) => {
        if (i < 0) return;
        const weight = weights[j * dense.inputs + i];
        const strength = largest > 0 ? Math.abs(weight) / largest : 0;
        const light = activations === undefined ? 0 : brightness(activations[i], scale).light;
        lines.add(
          from.x + from.radius, from.ys[m], to.x - to.radius, to.ys[k],
          weight, strength * (0.12 + 0.7 * light) * focus, 0.4 + 2 * strength,
        );
      });
    });
    lines.draw(context);
  }

  private drawNeurons(
    layout: Layout, layers: NeuronLayer[], layer: number, selected: NeuronAddress | undefined,
  ): void {
    const context = this.context;
    const column = layout.columns[layer - 1];
    const activations = layers[layer].activation?.data;
    const scale = layerScale(layers[layer]);
    const isOutput = layer === layers.length - 1;
    const guess = isOutput ? this.state.guess() : -1;
    column.shown.forEach((index, k) => {
      const y = column.ys[k];
      if (index < 0) {
        context.fillStyle = mutedText;
        for (let dot = -1; dot <= 1; dot++) {
          context.beginPath();
          context.arc(column.x, y + dot * column.radius * 0.7, 1.6, 0, Math.PI * 2);
          context.fill();
        }
        return;
      }
      const { light, negative: below } = brightness(activations?.[index] ?? 0, scale);
      const [r, g, b] = below ? negative : [255, 255, 255];
      if (light > 0.02) {
        // A soft halo, as the video's neurons glow: a sprite drawn once, far cheaper than a blur.
        const halo = column.radius * (2.2 + 1.4 * light);
        context.globalAlpha = 0.85 * light;
        context.drawImage(below ? 'glow-negative' : 'glow', column.x - halo, y - halo, 2 * halo, 2 * halo);
        context.globalAlpha = 1;
      }
      context.fillStyle = `rgba(${r},${g},${b},${light.toFixed(3)})`;
      context.beginPath();
      context.arc(column.x, y, column.radius, 0, Math.PI * 2);
      context.fill();
      context.lineWidth = 1.2;
      context.strokeStyle = 'rgba(255,255,255,0.55)';
      context.beginPath();
      context.arc(column.x, y, column.radius, 0, Math.PI * 2);
      context.stroke();
      if (index === guess) {
        context.lineWidth = 2;
        context.strokeStyle = guessColour;
        context.beginPath();
        context.arc(column.x, y, column.radius + 4, 0, Math.PI * 2);
        context.stroke();
      }
      if (selected !== undefined && selected.layer === layer && selected.index === index) {
        context.lineWidth = 1.5;
        context.strokeStyle = selectionColour;
        context.setLineDash([3, 3]);
        context.beginPath();
        context.arc(column.x, y, column.radius + (index === guess ? 8 : 4), 0, Math.PI * 2);
        context.stroke();
        context.setLineDash([]);
      }
    });
  }

  private drawOutputLabels(layout: Layout, layers: NeuronLayer[]): void {
    const context = this.context;
    const column = layout.columns[layout.columns.length - 1];
    const output = layers[layers.length - 1];
    const activations = output.activation?.data;
    const guess = this.state.guess();
    const digits = output.size === 10;
    // Softmax outputs are probabilities; other outputs are activations, and are shown as such.
    const probabilities = output.squish === 'softmax';
    context.textBaseline = 'middle';
    column.shown.forEach((index, k) => {
      if (index < 0) return;
      const y = column.ys[k];
      const value = activations?.[index] ?? 0;
      const isGuess = index === guess;
      const labelX = column.x + column.radius + (layout.compact ? 6 : 10);
      const size = Math.round(Math.max(11, column.radius * 1.25));
      context.font = `${isGuess ? 700 : 500} ${size}px system-ui, sans-serif`;
      context.fillStyle = isGuess ? guessColour : text;
      context.textAlign = 'left';
      context.fillText(digits ? String(index) : `#${index}`, labelX, y);
      if (!layout.compact) {
        const barX = labelX + 18;
        const barWidth = 48;
        context.fillStyle = 'rgba(255,255,255,0.08)';
        context.fillRect(barX, y - 3, barWidth, 6);
        context.fillStyle = isGuess ? guessColour : 'rgba(232,235,242,0.75)';
        context.fillRect(barX, y - 3, barWidth * Math.min(1, Math.max(0, value)), 6);
      }
      context.font = '500 11px system-ui, sans-serif';
      context.fillStyle = isGuess ? guessColour : mutedText;
      context.textAlign = 'right';
      context.fillText(probabilities ? `${Math.round(value * 100)}%` : value.toFixed(2), layout.width - 4, y);
    });
  }

  private drawCaptions(layout: Layout, layers: NeuronLayer[]): void {
    const context = this.context;
    context.textAlign = 'center';
    context.textBaseline = 'alphabetic';
    const captionY = layout.height - (layout.compact ? 22 : 12);
    const titleY = 20;
    const grid = layout.grid;
    const size = layout.compact ? 10 : 11;
    const write = (x: number, title: string, detail: string[]): void => {
      context.font = `600 ${size + 1}px system-ui, sans-serif`;
      context.fillStyle = text;
      context.fillText(title, x, titleY);
      context.font = `500 ${size}px system-ui, sans-serif`;
      context.fillStyle = mutedText;
      // A phone's columns are narrow: the details go on two lines.
      const lines = layout.compact ? detail : [detail.join(' · ')];
      lines.forEach((line, i) => context.fillText(line, x, captionY + i * (size + 2)));
    };
    write(grid.x + grid.size / 2, 'input', layout.compact ? ['784', 'pixels'] : ['784 pixels']);
    layout.columns.forEach((column, c) => {
      const layer = layers[c + 1];
      const last = c === layout.columns.length - 1;
      const x = last ? column.x + (layout.compact ? 14 : 30) : column.x;
      const shown = column.shown.filter((index) => index >= 0).length;
      const sizeText = shown < layer.size
        ? (layout.compact ? `${shown}/${layer.size}` : `${shown} of ${layer.size} shown`)
        : String(layer.size);
      const name = layerName(c + 1, layers.length);
      const title = layout.compact ? name.replace('hidden layer ', 'hidden ') : name;
      write(x, title, [sizeText, layer.squish]);
    });
  }
}

/** The indices of the `count` largest |values|, largest first, in one pass. */
function strongest(values: ArrayLike<number>, count: number): Int32Array {
  const best = new Int32Array(count).fill(-1);
  const sizes = new Float64Array(count).fill(-1);
  for (let i = 0; i < values.length; i++) {
    const size = Math.abs(values[i]);
    if (size <= sizes[count - 1]) continue;
    let at = count - 1;
    while (at > 0 && sizes[at - 1] < size) {
      sizes[at] = sizes[at - 1];
      best[at] = best[at - 1];
      at--;
    }
    sizes[at] = size;
    best[at] = i;
  }
  return best;
}

/**
 * Which neurons of a layer of `size` to show: all of them, or for a wide layer the ones with the
 * strongest connections onward (the largest sum of |weight| into the next layer, `next`), in
 * index order, with a gap in the middle to say that others are left out.
 */
function shownNeurons(size: number, next: Dense | undefined): number[] {
  if (size <= maxVisible) return Array.from({ length: size }, (_, i) => i);
  const strength = new Float64Array(size);
  if (next !== undefined) {
    const weights = next.weights.value.data;
    for (let j = 0; j < next.outputs; j++) {
      for (let i = 0; i < size; i++) strength[i] += Math.abs(weights[j * size + i]);
    }
  }
  const strongest = Array.from({ length: size }, (_, i) => i)
    .sort((a, b) => strength[b] - strength[a])
    .slice(0, maxVisible - 1)
    .sort((a, b) => a - b);
  const head = Math.ceil(strongest.length / 2);
  return [...strongest.slice(0, head), -1, ...strongest.slice(head)];
}

/**
 * How scenes reach the canvas: through a worker that owns it where the browser can hand a canvas
 * to a worker, else painted right here.
 */
function scenePainterFor(canvas: HTMLCanvasElement): (scene: Scene, transfer: Transferable[]) => void {
  if (typeof canvas.transferControlToOffscreen === 'function' && typeof Worker !== 'undefined') {
    const offscreen = canvas.transferControlToOffscreen();
    const worker = new Worker(new URL('./network-painter.ts', import.meta.url), { type: 'module' });
    worker.postMessage({ canvas: offscreen }, [offscreen]);
    return (scene, transfer) => worker.postMessage({ scene }, transfer);
  }
  const painter = new ScenePainter(canvas, negative);
  return (scene) => painter.paint(scene);
}
