// The first hidden layer's neurons side by side: each one's incoming weights as a picture, and
// (when measured) the test digits that excite it most. Repainted as training changes the weights.
import type { AppState } from './app-state.js';
import { paintGrey, paintSigned, pixelCanvas } from './paint-pixels.js';
import { Repaint } from './repaint.js';

export interface GalleryOptions {
  /** Show the most exciting test digits under each picture. */
  digits: boolean;
  /** How many neurons to show before a "show all" button. */
  limit: number;
  /** How many test digits per neuron. */
  digitCount?: number;
}

export class FeatureGallery {
  private tiles: { weights: HTMLCanvasElement; digits: HTMLElement | undefined }[] = [];
  private showAll = false;
  /** The network changed: the tiles must be made again before they are painted. */
  private staleLayers = true;
  private readonly repaint: Repaint;
  private readonly grid = document.createElement('div');
  private readonly more = document.createElement('button');

  constructor(
    private readonly state: AppState,
    root: HTMLElement,
    private readonly options: GalleryOptions,
  ) {
    this.grid.className = options.digits ? 'gallery' : 'gallery compact';
    this.more.type = 'button';
    this.more.className = 'quiet';
    this.more.addEventListener('click', () => {
      this.showAll = !this.showAll;
      this.build();
    });
    root.append(this.grid, this.more);
    this.repaint = new Repaint(root, () => (this.staleLayers ? this.build() : this.paintWeights()));
    state.on('model', () => {
      this.staleLayers = true;
      this.repaint.request();
    });
    state.on('weights', () => this.repaint.request());
    state.on('analysis', () => this.paintDigits());
    this.repaint.request();
  }

  private firstLayer(): { size: number; weights: Float32Array | Float64Array } | undefined {
    const layer = this.state.network.neuronLayers()[1];
    if (layer?.dense === undefined || layer.dense.inputs !== 784) return undefined;
    return { size: layer.size, weights: layer.dense.weights.value.data };
  }

  private build(): void {
    this.staleLayers = false;
    const layer = this.firstLayer();
    this.tiles = [];
    if (layer === undefined) {
      this.grid.replaceChildren();
      this.more.hidden = true;
      return;
    }
    const count = this.showAll ? layer.size : Math.min(layer.size, this.options.limit);
    const tiles: HTMLElement[] = [];
    for (let j = 0; j < count; j++) {
      const tile = document.createElement('button');
      tile.type = 'button';
      tile.className = 'tile';
      tile.setAttribute('aria-label', `Open hidden layer 1, neuron ${j}`);
      tile.addEventListener('click', () => {
        this.state.select({ layer: 1, index: j });
        document.getElementById('inspector')?.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
      });
      const weights = pixelCanvas('heat-map', `Weights of hidden neuron ${j}`);
      const caption = document.createElement('span');
      caption.className = 'under';
      caption.textContent = `neuron ${j}`;
      let digits: HTMLElement | undefined;
      if (this.options.digits) {
        digits = document.createElement('span');
        digits.className = 'digit-strip small';
      }
      tile.append(weights, ...(digits ? [digits] : []), caption);
      tiles.push(tile);
      this.tiles.push({ weights, digits });
    }
    this.grid.replaceChildren(...tiles);
    this.more.hidden = layer.size <= this.options.limit;
    this.more.textContent = this.showAll
      ? `Show the first ${this.options.limit}`
      : `Show all ${layer.size} neurons`;
    this.paintWeights();
    this.paintDigits();
  }

  private paintWeights(): void {
    const layer = this.firstLayer();
    if (layer === undefined) return;
    this.tiles.forEach((tile, j) => {
      paintSigned(tile.weights, layer.weights.subarray(j * 784, (j + 1) * 784), 28, 28);
    });
  }

  private paintDigits(): void {
    if (this.staleLayers) return;
    const analysis = this.state.analysis;
    const test = this.state.testSet;
    const count = this.options.digitCount ?? 4;
    this.tiles.forEach((tile, j) => {
      if (tile.digits === undefined) return;
      if (analysis === undefined || test === undefined) {
        tile.digits.replaceChildren();
        return;
      }
      const top = analysis.top[1].subarray(j * analysis.topCount, j * analysis.topCount + count);
      tile.digits.replaceChildren(...Array.from(top, (index) => {
        const canvas = pixelCanvas('thumb', `Test digit ${index}, a ${test.label(index)}`);
        paintGrey(canvas, test.pixels.subarray(index * 784, (index + 1) * 784), 28, 28, 1 / 255);
        return canvas;
      }));
    });
  }
}
