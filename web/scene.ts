// A picture recorded as canvas drawing calls, to be replayed on a canvas elsewhere: in a worker
// that owns the network's canvas where the browser allows it (so that redrawing and handing the
// canvas to the compositor cost the page's own thread nothing), else right away on the page.
// Only the calls the network picture uses are recorded.

/** The images a scene may draw, by name: the neurons' glow sprites and the input pixels. */
export type SceneImage = 'glow' | 'glow-negative' | 'pixels';

export type SceneOp =
  | ['set', string, string | number | boolean]
  | ['call', string, (number | string | number[])[]]
  | ['image', SceneImage, number, number, number, number];

export interface Scene {
  /** The canvas's size in device pixels, and CSS pixels per unit drawn. */
  width: number;
  height: number;
  ratio: number;
  ops: SceneOp[];
  /** The 28×28 input as RGBA bytes, drawn by the 'pixels' image. */
  pixels: Uint8ClampedArray<ArrayBuffer>;
}

/** Records the drawing calls of the network picture; `take()` hands over what was recorded. */
export class SceneRecorder {
  private ops: SceneOp[] = [];

  set fillStyle(value: string) { this.ops.push(['set', 'fillStyle', value]); }
  set strokeStyle(value: string) { this.ops.push(['set', 'strokeStyle', value]); }
  set lineWidth(value: number) { this.ops.push(['set', 'lineWidth', value]); }
  set globalAlpha(value: number) { this.ops.push(['set', 'globalAlpha', value]); }
  set globalCompositeOperation(value: GlobalCompositeOperation) {
    this.ops.push(['set', 'globalCompositeOperation', value]);
  }
  set font(value: string) { this.ops.push(['set', 'font', value]); }
  set textAlign(value: CanvasTextAlign) { this.ops.push(['set', 'textAlign', value]); }
  set textBaseline(value: CanvasTextBaseline) { this.ops.push(['set', 'textBaseline', value]); }
  set imageSmoothingEnabled(value: boolean) { this.ops.push(['set', 'imageSmoothingEnabled', value]); }

  beginPath(): void { this.ops.push(['call', 'beginPath', []]); }
  moveTo(x: number, y: number): void { this.ops.push(['call', 'moveTo', [x, y]]); }
  lineTo(x: number, y: number): void { this.ops.push(['call', 'lineTo', [x, y]]); }
  arc(x: number, y: number, radius: number, start: number, end: number): void {
    this.ops.push(['call', 'arc', [x, y, radius, start, end]]);
  }
  fill(): void { this.ops.push(['call', 'fill', []]); }
  stroke(): void { this.ops.push(['call', 'stroke', []]); }
  fillRect(x: number, y: number, width: number, height: number): void {
    this.ops.push(['call', 'fillRect', [x, y, width, height]]);
  }
  strokeRect(x: number, y: number, width: number, height: number): void {
    this.ops.push(['call', 'strokeRect', [x, y, width, height]]);
  }
  fillText(text: string, x: number, y: number): void { this.ops.push(['call', 'fillText', [text, x, y]]); }
  setLineDash(segments: number[]): void { this.ops.push(['call', 'setLineDash', [segments]]); }
  drawImage(image: SceneImage, x: number, y: number, width: number, height: number): void {
    this.ops.push(['image', image, x, y, width, height]);
  }

  take(): SceneOp[] {
    const ops = this.ops;
    this.ops = [];
    return ops;
  }
}

/** Something to draw on: a page canvas or a worker's OffscreenCanvas. */
type Surface = HTMLCanvasElement | OffscreenCanvas;
type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

function makeSurface(width: number, height: number): Surface {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function contextOf(surface: Surface): Context2D {
  return surface.getContext('2d') as Context2D;
}

/** A soft radial glow on a transparent square, drawn once and scaled: far cheaper than a blur. */
function glowSprite([r, g, b]: readonly number[]): Surface {
  const surface = makeSurface(64, 64);
  const context = contextOf(surface);
  const gradient = context.createRadialGradient(32, 32, 0, 32, 32, 32);
  gradient.addColorStop(0, `rgba(${r},${g},${b},0.55)`);
  gradient.addColorStop(0.35, `rgba(${r},${g},${b},0.22)`);
  gradient.addColorStop(1, `rgba(${r},${g},${b},0)`);
  context.fillStyle = gradient;
  context.fillRect(0, 0, 64, 64);
  return surface;
}

/** Replays scenes onto one canvas. */
export class ScenePainter {
  private readonly context: Context2D;
  private readonly pixels = makeSurface(28, 28);
  private readonly images: Record<SceneImage, Surface>;

  /** `negative` is the colour of negative activations' glow. */
  constructor(private readonly surface: Surface, negative: readonly number[]) {
    this.context = contextOf(surface);
    this.images = {
      glow: glowSprite([255, 255, 255]),
      'glow-negative': glowSprite(negative),
      pixels: this.pixels,
    };
  }

  paint(scene: Scene): void {
    if (this.surface.width !== scene.width) this.surface.width = scene.width;
    if (this.surface.height !== scene.height) this.surface.height = scene.height;
    const context = this.context;
    contextOf(this.pixels).putImageData(new ImageData(scene.pixels, 28, 28), 0, 0);
    context.setTransform(scene.ratio, 0, 0, scene.ratio, 0, 0);
    const settable = context as unknown as Record<string, unknown>;
    const callable = context as unknown as Record<string, (...args: unknown[]) => void>;
    for (const op of scene.ops) {
      if (op[0] === 'set') settable[op[1]] = op[2];
      else if (op[0] === 'call') callable[op[1]](...op[2]);
      else context.drawImage(this.images[op[1]], op[2], op[3], op[4], op[5]);
    }
  }
}
