// Digits drawn on the pad with a mouse, for any browser driver: Playwright's and Puppeteer's mice
// both move in steps, press and release, which is all a stroke needs.

/** A point in the pad's own 280 × 280 coordinates. */
export type Point = [number, number];

/** The part of a driver's mouse a stroke uses. */
export interface StrokeMouse {
  move(x: number, y: number, options?: { steps?: number }): Promise<void>;
  down(): Promise<void>;
  up(): Promise<void>;
}

/** Where the pad is on the page, in CSS pixels. */
export interface PadBox {
  x: number;
  y: number;
  width: number;
}

/** A clear "1": a near-vertical line down the middle. */
export const one: Point[] = [[132, 45], [138, 140], [142, 240]];

/** A "0": an upright ellipse, drawn a little past one full turn so it closes. */
export const zero: Point[] = Array.from({ length: 41 }, (_, i) => {
  const angle = (i / 40) * Math.PI * 2.1 - Math.PI / 2;
  return [140 + 62 * Math.cos(angle), 140 + 95 * Math.sin(angle)];
});

/** Draws one stroke through `points` on the pad at `box`. */
export async function stroke(mouse: StrokeMouse, box: PadBox, points: Point[]): Promise<void> {
  const scale = box.width / 280;
  const at = ([x, y]: Point): Point => [box.x + x * scale, box.y + y * scale];
  await mouse.move(...at(points[0]));
  await mouse.down();
  // A few steps between corners, so the page sees a stroke rather than jumps.
  for (const point of points.slice(1)) await mouse.move(...at(point), { steps: 3 });
  await mouse.up();
}
