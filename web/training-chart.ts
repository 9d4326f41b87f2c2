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

  /** Adds the cost at `step`, and the test accuracy (0..1) measured at `testedAt`, if new. */
  add(step: number, cost: number, testedAt: number, accuracy: number | undefined): void {
    const last = this.steps.length > 0 ? this.steps[this.steps.length - 1] : -1;
    if (accuracy !== undefined && testedAt >= 0) {
      const percent = accuracy * 100;
      if (testedAt > last) this.push(testedAt, null, percent);
      else if (testedAt === last) this.accuracy[this.accuracy.length - 1] = percent;
    }
    const now = this.steps[this.steps.length - 1] ?? -1;
    const value = Number.isFinite(cost) ? cost : null;
    if (step > now) this.push(step, value, null);
    else if (step === now && value !== null) this.cost[this.cost.length - 1] = value;
    this.repaint.request();
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
      legend: { live: true },
      scales: { x: { time: false }, cost: { auto: true }, accuracy: { range: [0, 100] } },
      axes: [
        { ...axis, label: 'training step (mini-batches)', labelSize: 20 },
        { ...axis, scale: 'cost', label: 'cost', labelSize: 20, stroke: costColour, size: 44 },
        {
          ...axis, scale: 'accuracy', side: 1, label: 'test accuracy (%)', labelSize: 20,
          stroke: accuracyColour, size: 44, grid: { show: false },
        },
      ],
      series: [
        { label: 'step', value: (_, v) => (v === null ? '–' : String(v)) },
        {
          label: 'cost (running mean)', scale: 'cost', stroke: costColour, width: 1.5,
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
