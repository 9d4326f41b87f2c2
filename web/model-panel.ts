// Model files: the default model the server offers, any .gbx file the CLI saved (opened with the
// file picker or dropped on the page), and saving the shown network in the same format.
import {
  decodeModel, encodeModel, modelFileExtension, type Backend, type Network,
} from '../src/index.js';
import type { AppState, ShownModel } from './app-state.js';

export interface ModelElements {
  status: HTMLElement;
  open: HTMLInputElement;
  save: HTMLButtonElement;
  notice: HTMLElement;
}

/** The architecture in one line, such as "784-16-16-10, sigmoid → softmax". */
export function describe(network: Network): string {
  const layers = network.neuronLayers();
  const sizes = layers.map((layer) => layer.size).join('-');
  const hidden = [...new Set(layers.slice(1, -1).map((layer) => layer.squish))];
  const output = layers[layers.length - 1].squish;
  return `${sizes}, ${hidden.length > 0 ? `${hidden.join('/')} → ` : ''}${output}`;
}

/**
 * The default model beside the page (models/default.gbx), or undefined when the site offers
 * none. The site's list of models (models/index.json) says whether there is one, so that the
 * page never asks for a file that is not there.
 */
export async function loadDefaultModel(backend: Backend): Promise<ShownModel | undefined> {
  const list = await fetch(new URL('models/index.json', document.baseURI));
  if (!list.ok) return undefined;
  const { default: file } = (await list.json()) as { default?: unknown };
  if (typeof file !== 'string' || !/^[\w.-]+\.gbx$/.test(file)) return undefined;
  const name = `models/${file}`;
  const response = await fetch(new URL(name, document.baseURI));
  if (!response.ok) throw new Error(`${name}: the server answered ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const { network, info } = decodeModel(bytes, { source: name, backend });
  return { network, info, name };
}

export class ModelPanel {
  constructor(private readonly state: AppState, private readonly elements: ModelElements) {
    elements.open.accept = modelFileExtension;
    elements.open.addEventListener('change', () => {
      const file = elements.open.files?.[0];
      if (file !== undefined) void this.open(file);
      elements.open.value = '';
    });
    elements.save.addEventListener('click', () => this.save());
    document.addEventListener('dragover', (event) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    });
    document.addEventListener('drop', (event) => {
      const file = event.dataTransfer?.files[0];
      if (file === undefined) return;
      event.preventDefault();
      void this.open(file);
    });
    state.on('model', () => this.showStatus());
    state.on('analysis', () => this.showStatus());
    this.showStatus();
  }

  async open(file: File): Promise<void> {
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { network, info } = decodeModel(bytes, { source: file.name, backend: this.state.network.backend });
      if (network.inputSize !== 784) {
        throw new Error(
          `${file.name}: this page draws 28×28 digits, but the model takes ${network.inputSize} inputs`,
        );
      }
      this.notice('');
      this.state.setModel({ network, info, name: file.name });
    } catch (error) {
      this.notice((error as Error).message, undefined, true);
    }
  }

  save(): void {
    const { network, info } = this.state.model;
    const accuracy = this.state.analysis?.accuracy;
    const bytes = encodeModel(network, {
      ...info,
      createdAt: new Date().toISOString(),
      ...(accuracy === undefined ? {} : { testAccuracy: accuracy }),
    });
    const sizes = network.neuronLayers().map((layer) => layer.size).join('-');
    const link = document.createElement('a');
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
    link.href = URL.createObjectURL(blob);
    link.download = `glassbox-${sizes}${modelFileExtension}`;
    document.body.append(link);
    link.click();
    link.remove();
    // Give the download a moment to start before letting go of the bytes.
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  /** Shows a line above the page (an error when `problem`), ending in an optional link. */
  notice(text: string, link?: { text: string; href: string }, problem = false): void {
    this.elements.notice.textContent = text;
    if (link !== undefined) {
      const anchor = document.createElement('a');
      anchor.href = link.href;
      anchor.textContent = link.text;
      this.elements.notice.append(anchor, '.');
    }
    this.elements.notice.hidden = text === '';
    this.elements.notice.classList.toggle('problem', problem);
    this.elements.notice.setAttribute('role', problem ? 'alert' : 'status');
  }

  private showStatus(): void {
    const { network, name } = this.state.model;
    const accuracy = this.state.analysis?.accuracy;
    const parts = [name, describe(network)];
    if (accuracy !== undefined) parts.push(`${(accuracy * 100).toFixed(1)}% on the test set`);
    this.elements.status.textContent = parts.join(' · ');
    this.elements.status.dataset.architecture = network.neuronLayers().map((layer) => layer.size).join('-');
  }
}
