// Asks the analysis worker to measure the shown network on the test set, and keeps only the
// answer to the latest question: the weights may have changed while it worked.
import type { AppState } from './app-state.js';
import type { AnalysisRequest, FromAnalyst } from './protocol.js';
import { copyWeights } from './weights.js';

/** Wait this long after the last change before measuring, so a burst of changes costs one run. */
const settleMilliseconds = 250;

export class Analyst {
  private readonly worker: Worker;
  private latest = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  onError: (message: string) => void = () => {};

  constructor(private readonly state: AppState) {
    this.worker = new Worker(new URL('./analysis-worker.ts', import.meta.url), { type: 'module' });
    this.worker.addEventListener('message', (event: MessageEvent<FromAnalyst>) => {
      const reply = event.data;
      if (reply.id !== this.latest) return;
      if (reply.type === 'error') this.onError(reply.message);
      else state.setAnalysis(reply);
    });
  }

  /** Measures the network as it is once changes settle. */
  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.request(), settleMilliseconds);
  }

  private request(): void {
    const network = this.state.network;
    const weights = copyWeights(network);
    const request: AnalysisRequest = {
      type: 'analyse',
      id: ++this.latest,
      baseUrl: new URL('./', document.baseURI).href,
      specs: network.specs(),
      weights,
      topCount: 8,
      wrongCount: 24,
    };
    this.worker.postMessage(request, weights.map((w) => w.buffer));
  }
}
