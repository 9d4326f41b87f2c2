// Where the network goes wrong: the confusion matrix over the 10,000 test digits, the mistakes it
// is surest of, and what it says when fed pure noise.
import type { AppState } from './app-state.js';
import { paintGrey, pixelCanvas } from './paint-pixels.js';

export interface ErrorsElements {
  summary: HTMLElement;
  matrix: HTMLElement;
  mistakes: HTMLElement;
  noise: HTMLButtonElement;
  noiseResult: HTMLElement;
}

export class ErrorsPanel {
  /** Called with a test digit's index to show it on the drawing pad. */
  onShowDigit: (index: number) => void = () => {};
  /** Called to feed the network noise (through the drawing pad, so every view shows it). */
  onNoise: () => void = () => {};

  constructor(private readonly state: AppState, private readonly elements: ErrorsElements) {
    state.on('analysis', () => this.show());
    state.on('model', () => this.waiting());
    elements.noise.addEventListener('click', () => {
      this.onNoise();
      this.showNoiseAnswer();
    });
    this.waiting();
  }

  private waiting(): void {
    this.elements.summary.textContent = 'Measuring the network on the 10,000 test digits…';
    this.elements.matrix.replaceChildren();
    this.elements.mistakes.replaceChildren();
  }

  private show(): void {
    const analysis = this.state.analysis;
    const test = this.state.testSet;
    if (analysis === undefined || test === undefined) return;
    const wrong = Math.round(analysis.examples * (1 - analysis.accuracy));
    this.elements.summary.textContent =
      `On the ${analysis.examples.toLocaleString('en')} test digits it never trained on, it reads ` +
      `${(analysis.accuracy * 100).toFixed(1)}% right and gets ${wrong.toLocaleString('en')} wrong.`;
    this.elements.summary.dataset.accuracy = String(analysis.accuracy);
    this.elements.matrix.replaceChildren(this.matrix(analysis.confusion));
    const probabilities = this.probabilities();
    this.elements.mistakes.replaceChildren(...analysis.mistakes.map((mistake) => {
      const tile = document.createElement('button');
      tile.type = 'button';
      tile.className = 'tile mistake';
      const sure = probabilities ? `${(mistake.confidence * 100).toFixed(0)}%` : mistake.confidence.toFixed(2);
      const label = `Test digit ${mistake.index}: labelled ${mistake.label}, read as ${mistake.guess} ` +
        `(${probabilities ? `${sure} sure` : `output ${sure}`}). Show it on the drawing pad.`;
      tile.setAttribute('aria-label', label);
      tile.title = label;
      const canvas = pixelCanvas('digit', `Test digit ${mistake.index}`);
      paintGrey(canvas, test.pixels.subarray(mistake.index * 784, (mistake.index + 1) * 784), 28, 28, 1 / 255);
      const caption = document.createElement('span');
      caption.className = 'under';
      caption.innerHTML = `<b class="truth">${mistake.label}</b> → <b class="wrong">${mistake.guess}</b> ` +
        `<span class="sure">${sure}</span>`;
      tile.append(canvas, caption);
      tile.addEventListener('click', () => this.onShowDigit(mistake.index));
      return tile;
    }));
  }

  private matrix(confusion: Int32Array): HTMLTableElement {
    const classes = Math.round(Math.sqrt(confusion.length));
    const table = document.createElement('table');
    table.className = 'confusion';
    const caption = document.createElement('caption');
    caption.textContent = 'Rows: the true digit. Columns: what the network read. The diagonal is right.';
    const head = document.createElement('tr');
    head.append(cell('th', 'true ↓ / read →', 'corner'));
    for (let guess = 0; guess < classes; guess++) head.append(cell('th', String(guess), undefined, 'col'));
    const thead = document.createElement('thead');
    thead.append(head);
    const body = document.createElement('tbody');
    let largestMistake = 1;
    let largestRight = 1;
    for (let label = 0; label < classes; label++) {
      for (let guess = 0; guess < classes; guess++) {
        const count = confusion[label * classes + guess];
        if (label === guess) largestRight = Math.max(largestRight, count);
        else largestMistake = Math.max(largestMistake, count);
      }
    }
    for (let label = 0; label < classes; label++) {
      const row = document.createElement('tr');
      row.append(cell('th', String(label), undefined, 'row'));
      for (let guess = 0; guess < classes; guess++) {
        const count = confusion[label * classes + guess];
        const td = cell('td', count === 0 ? '·' : String(count));
        const right = label === guess;
        // Logarithmic, so that a handful of mistakes still shows beside a thousand right answers.
        const largest = right ? largestRight : largestMistake;
        const strength = count === 0 ? 0 : Math.log1p(count) / Math.log1p(largest);
        td.style.setProperty('--strength', strength.toFixed(3));
        td.className = right ? 'right' : 'wrong';
        td.title = `${count} test digits labelled ${label} were read as ${guess}`;
        row.append(td);
      }
      body.append(row);
    }
    table.append(caption, thead, body);
    return table;
  }

  private showNoiseAnswer(): void {
    const output = this.state.output();
    const guess = this.state.guess();
    const canvas = pixelCanvas('digit', 'The noise fed to the network');
    paintGrey(canvas, this.state.input);
    const text = document.createElement('p');
    const value = output[guess];
    text.innerHTML = this.probabilities()
      ? `Fed pure noise, it answers <b>${guess}</b>, ${(value * 100).toFixed(0)}% sure. ` +
        'Softmax makes its ten outputs add up to 1, so it always names some digit: ' +
        'it was only ever shown digits, and has ' +
        'no way to say “none of these”.'
      : `Fed pure noise, its brightest output is <b>${guess}</b>, at ${value.toFixed(2)}. Its outputs are ` +
        'not probabilities and need not add up to anything, yet the brightest one is still its ' +
        'answer: it has no way to say “none of these”.';
    this.elements.noiseResult.replaceChildren(canvas, text);
    this.elements.noiseResult.dataset.guess = String(guess);
    this.elements.noiseResult.dataset.confidence = String(value);
  }

  /** Whether the outputs are probabilities (a softmax output layer). */
  private probabilities(): boolean {
    const layers = this.state.network.neuronLayers();
    return layers[layers.length - 1].squish === 'softmax';
  }
}

function cell(tag: 'td' | 'th', text: string, className?: string, scope?: string): HTMLTableCellElement {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className !== undefined) node.className = className;
  if (scope !== undefined) node.setAttribute('scope', scope);
  return node;
}
