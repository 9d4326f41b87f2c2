// The page: picks the backend, opens the default model (or a fresh network when there is none),
// and connects the views. Everything it shows comes from the library's public API.
import { Network, selectBackend } from '../src/index.js';
import { Analyst } from './analyst.js';
import { AppState, type ShownModel } from './app-state.js';
import { BackpropPanel } from './backprop-panel.js';
import { loadMnist } from './data.js';
import { DigitPad } from './digit-pad.js';
import { ErrorsPanel } from './errors-panel.js';
import { FeatureGallery } from './feature-gallery.js';
import { loadDefaultModel, ModelPanel } from './model-panel.js';
import { NetworkView } from './network-view.js';
import { NeuronInspector } from './neuron-inspector.js';
import { TrainingPanel } from './training-panel.js';
import { WeightMontage } from './weight-montage.js';

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

async function main(): Promise<void> {
  // The WebAssembly backend reserves its memory up front in a page; the shown network, its views
  // and one backprop step fit in far less than the default 256 MiB.
  const backend = await selectBackend('auto', { memoryMiB: 64 });
  let model: ShownModel | undefined;
  let problem: string | undefined;
  try {
    model = await loadDefaultModel(backend);
  } catch (error) {
    problem = (error as Error).message;
  }
  const missing = model === undefined;
  model ??= {
    network: Network.perceptron([784, 16, 16, 10], 'sigmoid', 'softmax', { backend, seed: 1 }),
    info: {},
    name: 'untrained network',
  };
  const state = new AppState(model);
  document.body.dataset.backend = backend.name;

  const models = new ModelPanel(state, {
    status: byId('model-status'),
    open: byId<HTMLInputElement>('model-open'),
    save: byId<HTMLButtonElement>('model-save'),
    notice: byId('model-notice'),
  });
  if (problem !== undefined) models.notice(problem, undefined, true);
  else if (missing) {
    models.notice('No trained model was found (run `npm start` to train one). This network is untrained: ' +
      'its guesses are random. Open a .gbx file, or ', { text: 'train it here', href: '#train' });
  }

  const pad = new DigitPad(state, {
    pad: byId<HTMLCanvasElement>('pad'),
    seen: byId<HTMLCanvasElement>('seen'),
    seenCaption: byId('seen-caption'),
    caption: byId('pad-caption'),
    clear: byId<HTMLButtonElement>('pad-clear'),
    testDigit: byId<HTMLButtonElement>('pad-test'),
    noise: byId<HTMLButtonElement>('pad-noise'),
  });
  new NetworkView(
    state, byId('network-stage'), byId<HTMLCanvasElement>('network'), byId('neuron-buttons'),
    byId('network-tooltip'),
  );
  new NeuronInspector(state, byId('inspector'));
  new FeatureGallery(state, byId('feature-gallery'), { digits: true, limit: 16, digitCount: 4 });
  new WeightMontage(state, byId('train-weights'), 32, 8);
  const training = new TrainingPanel(state, {
    form: byId<HTMLFormElement>('train-form'),
    start: byId<HTMLButtonElement>('train-start'),
    pause: byId<HTMLButtonElement>('train-pause'),
    step: byId<HTMLButtonElement>('train-step'),
    status: byId('train-status'),
    chart: byId('train-chart'),
  });
  new BackpropPanel(state, {
    target: byId<HTMLSelectElement>('step-target'),
    rate: byId<HTMLInputElement>('step-rate'),
    apply: byId<HTMLButtonElement>('step-apply'),
    undo: byId<HTMLButtonElement>('step-undo'),
    errors: byId<HTMLCanvasElement>('step-errors'),
    nudges: byId<HTMLCanvasElement>('step-nudges'),
    nudgesTitle: byId('step-nudges-title'),
    outputChange: byId<HTMLCanvasElement>('step-output-change'),
    firstChange: byId('step-first-change'),
    result: byId('step-result'),
  });
  const errors = new ErrorsPanel(state, {
    summary: byId('errors-summary'),
    matrix: byId('confusion'),
    mistakes: byId('mistakes'),
    noise: byId<HTMLButtonElement>('noise-button'),
    noiseResult: byId('noise-result'),
  });
  errors.onShowDigit = (index) => {
    pad.showTestDigit(index);
    byId('see').scrollIntoView({ behavior: 'smooth' });
  };
  errors.onNoise = () => pad.feedNoise();

  const guess = byId('guess');
  const confidence = byId('guess-confidence');
  const timing = byId('update-time');
  state.on('update', () => {
    const empty = state.inputSource === 'empty';
    const digit = state.guess();
    guess.textContent = empty ? '–' : String(digit);
    guess.dataset.digit = empty ? '' : String(digit);
    const layers = state.network.neuronLayers();
    const value = state.output()[digit];
    confidence.textContent = empty
      ? ''
      : layers[layers.length - 1].squish === 'softmax'
        ? ` (${(value * 100).toFixed(0)}% sure)`
        : ` (output ${value.toFixed(2)})`;
    requestAnimationFrame(() => {
      timing.textContent = `update ${state.lastUpdateMilliseconds.toFixed(1)} ms`;
      timing.dataset.milliseconds = state.lastUpdateMilliseconds.toFixed(2);
    });
  });

  const analyst = new Analyst(state);
  analyst.onError = (message) => models.notice(message, undefined, true);
  state.on('model', () => analyst.schedule());
  state.on('weights', () => {
    if (!training.isRunning) analyst.schedule();
  });
  training.onSettled = () => analyst.schedule();

  state.setModel(state.model);
  try {
    state.testSet = await loadMnist('test', new URL('./', document.baseURI).href);
    byId<HTMLButtonElement>('pad-test').disabled = false;
    analyst.schedule();
  } catch (error) {
    models.notice(`The test digits could not be loaded: ${(error as Error).message}`, undefined, true);
  }
  document.body.dataset.ready = 'true';
}

main().catch((error: Error) => {
  const notice = document.getElementById('model-notice');
  if (notice !== null) {
    notice.hidden = false;
    notice.classList.add('problem');
    notice.textContent = `The page could not start: ${error.message}`;
  }
  throw error;
});
