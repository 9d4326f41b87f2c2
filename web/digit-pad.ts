// The drawing canvas: strokes from mouse, touch or pen become the network's input through the
// library's preprocessDigit, the same function the CLI's `predict` uses on a PNG.
import { preprocessDigit, Random } from '../src/index.js';
import type { AppState } from './app-state.js';
import { paintGrey } from './paint-pixels.js';

/** Stroke width on the 280-pixel pad: scaled into MNIST's 20-pixel box it is about 2 pixels. */
const strokeWidth = 20;

export interface DigitPadElements {
  pad: HTMLCanvasElement;
  seen: HTMLCanvasElement;
  seenCaption: HTMLElement;
  caption: HTMLElement;
  clear: HTMLButtonElement;
  testDigit: HTMLButtonElement;
  noise: HTMLButtonElement;
}

export class DigitPad {
  private readonly context: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;
  private pointer: number | undefined;
  private pending = false;
  private readonly random = new Random(Date.now() >>> 0);

  constructor(private readonly state: AppState, private readonly elements: DigitPadElements) {
    // Read back every stroke: keep the pixels in memory rather than on the GPU.
    this.context = elements.pad.getContext('2d', { willReadFrequently: true })!;
    this.blank();
    const pad = elements.pad;
    pad.addEventListener('pointerdown', (event) => this.down(event));
    pad.addEventListener('pointermove', (event) => this.move(event));
    pad.addEventListener('pointerup', (event) => this.up(event));
    pad.addEventListener('pointercancel', (event) => this.up(event));
    elements.clear.addEventListener('click', () => this.clear());
    elements.testDigit.addEventListener('click', () => this.showTestDigit());
    elements.noise.addEventListener('click', () => this.feedNoise());
    state.on('update', () => this.paintSeen());
    this.paintSeen();
  }

  clear(): void {
    this.blank();
    this.state.setInput(new Float32Array(784), 'empty');
  }

  /** Draws test digit `index` (a random one if none is given) on the pad, as if drawn there. */
  showTestDigit(index?: number): void {
    const test = this.state.testSet;
    if (test === undefined) return;
    const chosen = index ?? this.random.int(test.length);
    const small = document.createElement('canvas');
    paintGrey(small, test.pixels.subarray(chosen * 784, (chosen + 1) * 784), 28, 28, 1 / 255);
    this.blank();
    this.context.imageSmoothingEnabled = true;
    this.context.imageSmoothingQuality = 'high';
    this.context.drawImage(small, 0, 0, this.elements.pad.width, this.elements.pad.height);
    this.read(test.label(chosen));
    this.elements.caption.textContent = `Test digit #${chosen}, labelled ${test.label(chosen)}`;
  }

  /**
   * 784 random pixels, straight into the network (not through preprocessing: noise is no
   * drawing). The network has no way to answer "none of these".
   */
  feedNoise(): void {
    this.blank();
    const noise = new Float32Array(784);
    for (let i = 0; i < noise.length; i++) noise[i] = this.random.next();
    this.state.setInput(noise, 'noise');
    this.elements.caption.textContent = 'Pure noise: 784 random pixels';
  }

  private blank(): void {
    this.context.fillStyle = '#000';
    this.context.fillRect(0, 0, this.elements.pad.width, this.elements.pad.height);
    this.elements.caption.textContent = '';
  }

  private position(event: PointerEvent): { x: number; y: number } {
    const box = this.elements.pad.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) * this.elements.pad.width) / box.width,
      y: ((event.clientY - box.top) * this.elements.pad.height) / box.height,
    };
  }

  private down(event: PointerEvent): void {
    if (this.pointer !== undefined || event.button !== 0) return;
    event.preventDefault();
    this.pointer = event.pointerId;
    this.elements.pad.setPointerCapture(event.pointerId);
    if (this.state.inputSource === 'noise' || this.state.inputSource === 'test digit') this.blank();
    this.last = this.position(event);
    this.stroke(this.last, this.last);
  }

  private move(event: PointerEvent): void {
    if (event.pointerId !== this.pointer || this.last === undefined) return;
    // Coalesced events keep fast strokes smooth where the browser batches pointer moves.
    const events = event.getCoalescedEvents?.() ?? [];
    for (const each of events.length > 0 ? events : [event]) {
      const point = this.position(each);
      this.stroke(this.last, point);
      this.last = point;
    }
  }

  private up(event: PointerEvent): void {
    if (event.pointerId !== this.pointer) return;
    this.pointer = undefined;
    this.last = undefined;
  }

  private stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const context = this.context;
    context.strokeStyle = '#fff';
    context.lineWidth = (strokeWidth * this.elements.pad.width) / 280;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
    this.elements.caption.textContent = '';
    this.schedule();
  }

  /** One update per frame however many pointer events arrive. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.read(undefined);
    });
  }

  private read(label: number | undefined): void {
    const started = performance.now();
    const { width, height } = this.elements.pad;
    const image = this.context.getImageData(0, 0, width, height);
    const pixels = preprocessDigit({ width, height, channels: 4, data: image.data }, 'the drawing');
    this.state.setInput(pixels, label === undefined ? 'drawing' : 'test digit', label, started);
  }

  private paintSeen(): void {
    paintGrey(this.elements.seen, this.state.seenPixels());
    this.elements.seenCaption.textContent =
      'What the network sees: your drawing cropped, scaled to 20×20 and centred in 28×28 pixels, ' +
      `as MNIST’s digits were${this.state.deskews() ? ', then straightened (this model deskews)' : ''}.`;
  }
}
