// Whether a part of the page is on screen, so that views nobody can see skip their work (the
// page must stay quick while training streams new weights ten times a second).
export class Visibility {
  /** True until the browser says otherwise. */
  visible = true;

  /** `onShow` runs when the element scrolls (back) into view. */
  constructor(element: Element, onShow: () => void) {
    const observer = new IntersectionObserver((entries) => {
      const was = this.visible;
      this.visible = entries[entries.length - 1].isIntersecting;
      if (this.visible && !was) onShow();
    }, { rootMargin: '200px' });
    observer.observe(element);
  }
}
