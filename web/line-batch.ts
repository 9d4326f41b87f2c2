// Many thin lines of a few colours, drawn with one stroke per colour. Setting a canvas's stroke
// style and stroking cost far more than adding a segment to a path, so the network's hundreds of
// connections are grouped by sign, opacity and width (rounded to steps the eye cannot tell apart).
import { weightColour } from './palette.js';

/** The part of a canvas context lines need (a scene recorder has it too). */
export interface LineSurface {
  strokeStyle: string;
  lineWidth: number;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
}

/** Lines of one colour, opacity and width: x1, y1, x2, y2 for each, one after the other. */
interface LineGroup {
  weight: number;
  alpha: number;
  width: number;
  points: number[];
}

const alphaSteps = 24;
const widthStep = 0.25;

export class LineBatch {
  private readonly groups = new Map<string, LineGroup>();

  /** A line from (x1, y1) to (x2, y2), coloured by `weight`'s sign; faint ones are skipped. */
  add(x1: number, y1: number, x2: number, y2: number, weight: number, alpha: number, width: number): void {
    const level = Math.round(Math.min(1, alpha) * alphaSteps);
    if (level === 0) return;
    const widthLevel = Math.max(1, Math.round(width / widthStep));
    const key = `${weight >= 0 ? '+' : '-'}${level}:${widthLevel}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = {
        weight: weight >= 0 ? 1 : -1, alpha: level / alphaSteps, width: widthLevel * widthStep, points: [],
      };
      this.groups.set(key, group);
    }
    group.points.push(x1, y1, x2, y2);
  }

  /** Strokes every group, faintest first, and empties the batch. */
  draw(context: LineSurface): void {
    const groups = [...this.groups.values()].sort((a, b) => a.alpha - b.alpha);
    for (const group of groups) {
      context.strokeStyle = weightColour(group.weight, group.alpha);
      context.lineWidth = group.width;
      context.beginPath();
      const points = group.points;
      for (let i = 0; i < points.length; i += 4) {
        context.moveTo(points[i], points[i + 1]);
        context.lineTo(points[i + 2], points[i + 3]);
      }
      context.stroke();
    }
    this.groups.clear();
  }
}
