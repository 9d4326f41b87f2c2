/**
 * One line on a terminal, redrawn in place: how far the epoch is, throughput and time left.
 * Draws at most every 100 ms so that printing never slows training; draws nothing when the
 * stream is not a terminal (a log file wants the epoch lines, not carriage returns).
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream, private readonly width = 28) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  update(label: string, fraction: number, detail: string, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * this.width);
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    const percent = `${Math.floor(fraction * 100)}`.padStart(3);
    this.stream.write(`\r\x1b[2K${label} ${bar} ${percent}% ${detail}`);
    this.drawn = true;
  }

  /** Wipes the bar so the next line prints on a clean line. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** "1m 05s", "12.3s": a duration for humans. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}
