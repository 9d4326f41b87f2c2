// Training in the browser: the form that picks the network and how it learns, the buttons that
// drive the training worker (train, pause, resume, one step), and the live chart. While it runs,
// the worker's weights are copied into the shown network, so every view changes as it learns.
import {
  activationNames, Network, optimizerNames, type ActivationName, type OptimizerName,
} from '../src/index.js';
import type { AppState } from './app-state.js';
import type { FromTrainer, ToTrainer, TrainingProgress, TrainingSettings } from './protocol.js';
import { TrainingChart } from './training-chart.js';
import { setWeights } from './weights.js';

export interface TrainingElements {
  form: HTMLFormElement;
  start: HTMLButtonElement;
  pause: HTMLButtonElement;
  step: HTMLButtonElement;
  status: HTMLElement;
  chart: HTMLElement;
}

/** The page trains its network with this seed unless told otherwise, so a run can be repeated. */
const defaultSeed = 1;

export class TrainingPanel {
  private worker: Worker | undefined;
  private readonly chart: TrainingChart;
  private running = false;
  private started = false;
  private trainingExamples = 0;
  private settings: TrainingSettings | undefined;
  private backendName = '';
  /** The newest progress from the worker, not yet shown. */
  private latest: TrainingProgress | undefined;
  /** The shown network this panel trains; another one shown (a file opened) stops training. */
  private trained: Network | undefined;
  /** Called when training pauses, with weights worth measuring on the whole test set. */
  onSettled: () => void = () => {};

  constructor(private readonly state: AppState, private readonly elements: TrainingElements) {
    this.chart = new TrainingChart(elements.chart);
    this.fillChoices();
    elements.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.start();
    });
    elements.pause.addEventListener('click', () => this.togglePause());
    elements.step.addEventListener('click', () => this.send({ type: 'step' }));
    for (const name of ['learningRate', 'batchSize', 'pace']) {
      this.field(name).addEventListener('change', () => this.sendSettings());
    }
    this.setButtons();
  }

  get isRunning(): boolean {
    return this.started && this.running;
  }

  private field(name: string): HTMLInputElement | HTMLSelectElement {
    return this.elements.form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  }

  private fillChoices(): void {
    const activation = this.field('activation') as HTMLSelectElement;
    for (const name of activationNames.filter((name) => name !== 'softmax')) {
      activation.add(new Option(name, name, name === 'sigmoid', name === 'sigmoid'));
    }
    const optimizer = this.field('optimizer') as HTMLSelectElement;
    for (const name of optimizerNames) optimizer.add(new Option(name, name, name === 'sgd', name === 'sgd'));
  }

  /** The form's settings, or an error message naming the field at fault. */
  readSettings(): TrainingSettings | string {
    const hidden = (this.field('hidden') as HTMLInputElement).value.trim();
    const sizes = hidden === '' ? [] : hidden.split(/[\s,]+/).map(Number);
    if (sizes.length > 4 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 512)) {
      return 'Hidden layers: give up to four sizes from 1 to 512, such as “16, 16”.';
    }
    const learningRate = Number(this.field('learningRate').value);
    if (!(learningRate > 0 && learningRate <= 10)) return 'Learning rate: give a number above 0 and up to 10.';
    const batchSize = Number(this.field('batchSize').value);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
      return 'Batch size: give a whole number from 1 to 1000.';
    }
    return {
      sizes: [784, ...sizes, 10],
      activation: this.field('activation').value as ActivationName,
      output: this.field('output').value === 'sigmoid' ? 'sigmoid' : 'softmax',
      optimizer: this.field('optimizer').value as OptimizerName,
      learningRate,
      batchSize,
      seed: defaultSeed,
      deskew: (this.field('deskew') as HTMLInputElement).checked,
      pace: Number(this.field('pace').value) || 0,
    };
  }

  private start(): void {
    const settings = this.readSettings();
    if (typeof settings === 'string') {
      this.say(settings, true);
      return;
    }
    this.settings = settings;
    this.started = false;
    this.running = true;
    this.chart.clear();
    this.elements.status.removeAttribute('data-initial-accuracy');
    this.say(`Loading the training digits and building ${settings.sizes.join('-')}…`);
    this.worker ??= this.createWorker();
    this.send({ type: 'start', baseUrl: new URL('./', document.baseURI).href, settings, run: true });
    this.setButtons();
  }

  private createWorker(): Worker {
    const worker = new Worker(new URL('./training-worker.ts', import.meta.url), { type: 'module' });
    worker.addEventListener('message', (event: MessageEvent<FromTrainer>) => this.receive(event.data));
    worker.addEventListener('error', () => this.say('The training worker failed to start.', true));
    return worker;
  }

  private send(message: ToTrainer): void {
    this.worker?.postMessage(message);
  }

  private sendSettings(): void {
    const settings = this.readSettings();
    if (typeof settings === 'string' || !this.started) return;
    const { learningRate, batchSize, pace } = settings;
    this.send({ type: 'settings', learningRate, batchSize, pace });
    if (this.settings) Object.assign(this.settings, { learningRate, batchSize, pace });
  }

  private togglePause(): void {
    if (!this.started) return;
    this.running = !this.running;
    this.send({ type: this.running ? 'run' : 'pause' });
    this.setButtons();
  }

  private receive(message: FromTrainer): void {
    switch (message.type) {
      case 'ready': {
        this.started = true;
        this.trainingExamples = message.trainingExamples;
        this.backendName = message.backend;
        const network = new Network(message.specs, { backend: this.state.network.backend });
        this.trained = network;
        this.state.setModel({ network, info: {}, name: 'trained in this page' });
        this.setButtons();
        break;
      }
      case 'progress':
        // Apply at most one update per frame: the worker may send faster than the page paints.
        if (this.latest === undefined) {
          requestAnimationFrame(() => {
            const latest = this.latest!;
            this.latest = undefined;
            this.progress(latest);
          });
        }
        this.latest = message;
        break;
      case 'error':
        this.running = false;
        this.setButtons();
        this.say(message.message, true);
        break;
    }
  }

  private progress(message: TrainingProgress): void {
    if (!this.started || this.settings === undefined) return;
    if (this.state.network !== this.trained) {
      // The visitor opened another model: stop training the one no longer shown.
      if (this.running) this.togglePause();
      this.started = false;
      this.setButtons();
      return;
    }
    setWeights(this.state.network, message.weights);
    const settings = this.settings;
    this.state.model.info = {
      createdAt: new Date().toISOString(),
      seed: settings.seed,
      loss: settings.output === 'softmax' ? 'cross-entropy' : 'mse',
      optimizer: { optimizer: settings.optimizer, learningRate: settings.learningRate },
      epochs: Number((message.examples / this.trainingExamples).toFixed(2)),
      batchSize: settings.batchSize,
      data: `MNIST train (first ${this.trainingExamples}), in the browser`,
      backend: this.backendName,
    };
    this.state.weightsChanged();
    this.chart.add(message.steps, message.smoothLoss, message.testedAtStep, message.testAccuracy);
    const status = this.elements.status;
    if (message.testAccuracy !== undefined && !status.hasAttribute('data-initial-accuracy')) {
      status.dataset.initialAccuracy = String(message.testAccuracy);
    }
    status.dataset.steps = String(message.steps);
    status.dataset.testAccuracy = String(message.testAccuracy ?? '');
    status.dataset.running = String(message.running);
    const accuracy = message.testAccuracy === undefined ? '–' : `${(message.testAccuracy * 100).toFixed(1)}%`;
    const rate = Math.round(message.examplesPerSecond).toLocaleString('en');
    const speed = message.running ? ` · ${rate} digits/s` : '';
    this.say(
      `Step ${message.steps.toLocaleString('en')} · epoch ${message.epoch} · ` +
        `${message.examples.toLocaleString('en')} digits seen · test accuracy ${accuracy}${speed}` +
        (message.running ? '' : ' · paused'),
    );
    if (!message.running) this.onSettled();
  }

  private say(text: string, problem = false): void {
    this.elements.status.textContent = text;
    this.elements.status.classList.toggle('problem', problem);
  }

  private setButtons(): void {
    const { start, pause, step } = this.elements;
    start.textContent = this.started ? 'Train a new network' : 'Train';
    pause.disabled = !this.started;
    pause.textContent = this.running ? 'Pause' : 'Resume';
    pause.setAttribute('aria-pressed', String(!this.running));
    step.disabled = !this.started || this.running;
  }
}
