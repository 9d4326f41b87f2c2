// The live training chart (uPlot): the cost falling on the left axis, test accuracy rising on
// the right.
import uPlot from 'uplot';
import { axisStyle } from './chart-style.js';
import { Repaint } from './repaint.js';

const accuracyColour = '#58c4dd';
const costColour = '#fc9f55';

export class TrainingChart {
  private readonly steps: number[] = [];
  private readonly cost: (number | null)[] = [];
  private readonly accuracy: (number | null)[] = [];
  private readonly plot: uPlot;
  private readonly repaint: Repaint;

  constructor(private readonly container: HTMLElement) {
    this.plot = new uPlot(this.options(), [[], [], []], container);
    new ResizeObserver(() => this.plot.setSize(this.size())).observe(container);
    this.repaint = new Repaint(container, () => this.plot.setData([this.steps, this.cost, this.accuracy]));
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(240, this.container.clientWidth), height: 240 };
  }

  clear(): void {
    this.steps.length = 0;
    this.cost.length = 0;
    this.accuracy.length = 0;
    this.plot.setData([[], [], []]);
  }

  /**
   * Adds the cost at `step`, and the test accuracy (0..1) measured at `testedAt` (−1: never),
   * when these are new. Steps must not go back.
   */
  add(step: number, cost: number, testedAt: number, accuracy: number | undefined): void {
    // The log scale has no 0: what was measured before any training is drawn at step 1.
    const x = Math.max(step, 1);
    if (accuracy !== undefined && testedAt >= 0) this.put(Math.max(testedAt, 1), null, accuracy * 100);
    this.put(x, Number.isFinite(cost) ? cost : null, null);
    this.repaint.request();
  }

  /** A new point at x, or the values filled into the last point when it is at x already. */
  private put(x: number, cost: number | null, accuracy: number | null): void {
    const last = this.steps.length - 1;
    if (last >= 0 && this.steps[last] >= x) {
      if (this.steps[last] !== x) return;
      if (cost !== null) this.cost[last] = cost;
      if (accuracy !== null) this.accuracy[last] = accuracy;
      return;
    }
    this.push(x, cost, accuracy);
  }

  private push(step: number, cost: number | null, accuracy: number | null): void {
    this.steps.push(step);
    this.cost.push(cost);
    this.accuracy.push(accuracy);
  }

  private options(): uPlot.Options {
    const axis = { ...axisStyle, labelFont: '600 11px system-ui, sans-serif' };
    return {
      ...this.size(),
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      // A log scale of steps shows the first hundred steps, where most of the learning happens,
      // as clearly as the last ten thousand.
      scales: { x: { time: false, distr: 3, log: 10 }, cost: { auto: true }, accuracy: { range: [0, 100] } },
      axes: [
        { ...axis, label: 'training step (mini-batches, log scale)', labelSize: 20 },
        { ...axis, scale: 'cost', label: 'cost', labelSize: 20, stroke: costColour, size: 44 },
        {
          ...axis, scale: 'accuracy', side: 1, label: 'test accuracy (%)', labelSize: 20,
          stroke: accuracyColour, size: 44, grid: { show: false },
        },
      ],
      series: [
        { label: 'step', value: (_, v) => (v === null ? '–' : String(v)) },
        {
          label: 'cost (running mean)', scale: 'cost', stroke: costColour, width: 1.5, spanGaps: true,
          points: { show: false },
          value: (_, v) => (v === null ? '–' : v.toFixed(3)),
        },
        {
          label: 'test accuracy', scale: 'accuracy', stroke: accuracyColour, width: 2, spanGaps: true,
          points: { show: true, size: 5, fill: accuracyColour },
          value: (_, v) => (v === null ? '–' : `${v.toFixed(1)}%`),
        },
      ],
    };
  }
}
