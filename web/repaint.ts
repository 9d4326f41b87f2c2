// Repainting a view that changes often (ten times a second while training): at most once per
// animation frame, and not at all while it is off screen, catching up when it scrolls back in.
import { Visibility } from './visibility.js';

export class Repaint {
  private pending = false;
  private stale = false;
  private readonly visibility: Visibility;

  constructor(element: Element, private readonly paint: () => void) {
    this.visibility = new Visibility(element, () => {
      if (this.stale) this.request();
    });
  }

  get visible(): boolean {
    return this.visibility.visible;
  }

  /** Asks for a repaint on the next frame (or once the element is seen again). */
  request(): void {
    if (!this.visibility.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.paint();
    });
  }
}
