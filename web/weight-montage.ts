// The first hidden layer's weight pictures side by side in one canvas, repainted as training
// changes them. One canvas rather than one per neuron: the page must stay light while the
// worker streams new weights.
import type { AppState } from './app-state.js';
import { fillSigned, softwareContext } from './paint-pixels.js';
import { Repaint } from './repaint.js';

/** Pixels between pictures. */
const gap = 2;

export class WeightMontage {
  private readonly canvas = document.createElement('canvas');
  private readonly note = document.createElement('p');
  private readonly repaint: Repaint;

  constructor(
    private readonly state: AppState,
    root: HTMLElement,
    private readonly limit: number,
    private readonly columns: number,
  ) {
    this.canvas.className = 'pixels montage';
    this.canvas.setAttribute('role', 'img');
    this.note.className = 'help';
    root.append(this.canvas, this.note);
    this.repaint = new Repaint(root, () => this.paint());
    state.on('model', () => this.repaint.request());
    state.on('weights', () => this.repaint.request());
    this.repaint.request();
  }

  private paint(): void {
    const layer = this.state.network.neuronLayers()[1];
    const dense = layer?.dense;
    if (dense === undefined || dense.inputs !== 784) {
      this.canvas.hidden = true;
      this.note.textContent = 'This network’s first layer does not read 28×28 pixels.';
      return;
    }
    const count = Math.min(layer.size, this.limit);
    const columns = Math.min(this.columns, count);
    const rows = Math.ceil(count / columns);
    const width = columns * (28 + gap) - gap;
    const height = rows * (28 + gap) - gap;
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    this.canvas.hidden = false;
    this.canvas.style.aspectRatio = `${width} / ${height}`;
    this.canvas.setAttribute('aria-label', `The incoming weights of ${count} first-layer neurons, as pictures`);
    const context = softwareContext(this.canvas);
    const image = context.createImageData(width, height);
    const weights = dense.weights.value.data;
    for (let j = 0; j < count; j++) {
      const left = (j % columns) * (28 + gap);
      const top = Math.floor(j / columns) * (28 + gap);
      fillSigned(image, left, top, weights.subarray(j * 784, (j + 1) * 784), 28, 28);
    }
    context.putImageData(image, 0, 0);
    this.note.textContent = count < layer.size
      ? `The first ${count} of ${layer.size} neurons; each picture uses its own brightest weight.`
      : 'Each picture uses its own brightest weight, so faint early patterns show.';
  }
}
