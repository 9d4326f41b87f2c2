// Signed numbers as a bar chart about a zero line: the incoming weights of a neuron deeper than
// the first layer, or the error and nudges of a backprop step. Blue up for positive, red down
// for negative.
import { mutedText, weightColour } from './palette.js';

export interface BarOptions {
  /** CSS height of the chart. */
  height?: number;
  /** Labels under the bars (shown when they fit). */
  labels?: readonly string[];
  /** The bar to outline, such as the target digit. */
  highlight?: number;
  /** Fix the scale (else the largest magnitude fills the height). */
  range?: number;
}

/** Paints `values` into `canvas`, sized to its CSS width. Returns the range used. */
export function paintBars(
  canvas: HTMLCanvasElement, values: ArrayLike<number>, options: BarOptions = {},
): number {
  const height = options.height ?? 110;
  const width = Math.max(120, canvas.clientWidth || canvas.parentElement?.clientWidth || 300);
  const ratio = window.devicePixelRatio || 1;
  // Resizing a canvas reallocates it: only when the size really changed.
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  canvas.style.height = `${height}px`;
  const context = canvas.getContext('2d')!;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);

  const count = values.length;
  let range = options.range ?? 0;
  if (options.range === undefined) for (let i = 0; i < count; i++) range = Math.max(range, Math.abs(values[i]));
  const labels = options.labels;
  const labelSpace = labels !== undefined && count <= 32 ? 14 : 0;
  const middle = (height - labelSpace) / 2;
  const half = middle - 4;
  const step = width / count;
  const barWidth = Math.max(1, step * (count > 64 ? 1 : 0.7));

  context.strokeStyle = 'rgba(255,255,255,0.25)';
  context.lineWidth = 1;
  context.beginPath();
  context.moveTo(0, middle + 0.5);
  context.lineTo(width, middle + 0.5);
  context.stroke();

  for (let i = 0; i < count; i++) {
    const value = values[i];
    const size = range > 0 ? (Math.abs(value) / range) * half : 0;
    const x = i * step + (step - barWidth) / 2;
    context.fillStyle = weightColour(value, 0.9);
    context.fillRect(x, value >= 0 ? middle - size : middle, barWidth, Math.max(size, 0.5));
    if (i === options.highlight) {
      context.strokeStyle = 'rgba(255,213,74,0.9)';
      context.lineWidth = 1.5;
      context.strokeRect(i * step + 1, 2, step - 2, height - labelSpace - 4);
    }
  }
  if (labelSpace > 0) {
    context.fillStyle = mutedText;
    context.font = '10px system-ui, sans-serif';
    context.textAlign = 'center';
    context.textBaseline = 'bottom';
    for (let i = 0; i < count; i++) context.fillText(labels![i], i * step + step / 2, height - 1);
  }
  return range;
}
