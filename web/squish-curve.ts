// A neuron's squishification function drawn as a curve, with today's z and activation marked.
// The curve is computed by the library's own activation layer, not re-written here.
import uPlot from 'uplot';
import { Network, Tensor, type Backend, type Layer, type LayerSpec } from '../src/index.js';
import { axisStyle } from './chart-style.js';
import { guessColour, text } from './palette.js';

const samples = 161;

/**
 * A fresh layer that squishes as `spec` says, for `width` numbers per row, built by the library
 * itself: it is the second layer of a throwaway network, so no activation is written twice.
 */
function squishLayer(spec: LayerSpec, backend: Backend, width: number): Layer {
  return new Network([{ type: 'dense', inputs: 1, outputs: width }, spec], { backend }).layers[1];
}

/** The squishification spec that follows the Dense layer of neuron layer `layer`. */
function squishSpecOf(network: Network, layer: number): LayerSpec | undefined {
  const dense = network.neuronLayers()[layer].dense;
  const position = network.layers.indexOf(dense!);
  const next = network.layers[position + 1];
  return next === undefined || next.type === 'dense' || next.type === 'dropout' ? undefined : next.spec();
}

/** The formula as the page writes it. */
export function squishFormula(type: string): string {
  switch (type) {
    case 'sigmoid':
      return 'σ(z) = 1 / (1 + e⁻ᶻ)';
    case 'relu':
      return 'ReLU(z) = max(0, z)';
    case 'leaky-relu':
      return 'LeakyReLU(z) = z if z > 0, else 0.01·z';
    case 'tanh':
      return 'tanh(z)';
    case 'softmax':
      return 'softmax: eᶻ / Σ eᶻ′ over all ten outputs';
    default:
      return 'a = z (no squishification)';
  }
}

export class SquishCurve {
  private plot: uPlot | undefined;
  /** The squishing layer and input buffer of the last curve, reused while they still fit. */
  private cached: { key: string; layer: Layer; input: Tensor } | undefined;

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => {
      if (this.plot !== undefined) this.plot.setSize(this.size());
    }).observe(container);
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.container.clientWidth), height: 170 };
  }

  /**
   * Draws neuron `index` of `layer`'s curve, from its last forward pass. For softmax the curve
   * is this output's probability as its own z varies, the other outputs' z held where they are.
   */
  show(network: Network, layer: number, index: number): void {
    const view = network.neuronLayers()[layer];
    const z = view.z!.data[index];
    const a = view.activation!.data[index];
    const spec = squishSpecOf(network, layer);
    const low = Math.min(-8, Math.floor(z - 2));
    const high = Math.max(8, Math.ceil(z + 2));
    const xs: number[] = [];
    for (let i = 0; i < samples; i++) xs.push(low + ((high - low) * i) / (samples - 1));
    // Put today's z among the samples so that the marker sits exactly on the curve.
    const at = xs.findIndex((x) => x >= z);
    xs.splice(at < 0 ? xs.length : at, 0, z);
    const ys = this.evaluate(spec, xs, view.z!.data.subarray(0, view.size), index, network.backend);
    const marker = xs.map((x) => (x === z ? a : null));
    const data: uPlot.AlignedData = [xs, ys, marker];
    if (this.plot === undefined) {
      this.plot = new uPlot(this.options(), data, this.container);
    } else {
      this.plot.setData(data);
    }
  }

  /** The squishing layer for `spec`, with an input tensor of [rows, width], made once and kept. */
  private layerFor(
    spec: LayerSpec, backend: Backend, rows: number, width: number,
  ): { layer: Layer; input: Tensor } {
    const key = `${JSON.stringify(spec)} ${rows}×${width} ${backend.name}`;
    if (this.cached?.key !== key) {
      const input = new Tensor([rows, width], backend.alloc(rows * width));
      this.cached = { key, layer: squishLayer(spec, backend, width), input };
    }
    return this.cached;
  }

  private evaluate(
    spec: LayerSpec | undefined, xs: number[], zs: ArrayLike<number>, index: number, backend: Backend,
  ): number[] {
    if (spec === undefined) return xs.slice();
    if (spec.type === 'softmax') {
      const width = zs.length;
      const { layer: squish, input: rows } = this.layerFor(spec, backend, xs.length, width);
      xs.forEach((x, r) => {
        for (let j = 0; j < width; j++) rows.data[r * width + j] = j === index ? x : zs[j];
      });
      const y = squish.forward(rows, false);
      return xs.map((_, r) => y.data[r * width + index]);
    }
    const { layer: squish, input: column } = this.layerFor(spec, backend, xs.length, 1);
    column.data.set(xs);
    return Array.from(squish.forward(column, false).data);
  }

  private options(): uPlot.Options {
    const axis = axisStyle;
    return {
      ...this.size(),
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: 'z', labelFont: 'italic 12px Georgia, serif', labelSize: 18, size: 30 },
        { ...axis, label: 'a', labelFont: 'italic 12px Georgia, serif', labelSize: 16, size: 38 },
      ],
      series: [
        {},
        { stroke: text, width: 2 },
        {
          stroke: guessColour,
          width: 0,
          paths: () => null,
          points: { show: true, size: 11, stroke: guessColour, fill: guessColour },
        },
      ],
    };
  }
}
