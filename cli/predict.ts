import { preprocessDigit, Softmax, Tensor, type Network } from '../src/index.js';
import { parseCommandLine } from './args.js';
import { chooseBackend, backendFlag, backendOptions } from './backend-flag.js';
import { readModel } from './files.js';
import { readPng } from './png.js';
import { UsageError } from './usage-error.js';

export const predictHelp = `Usage: glassbox predict MODEL IMAGE.png... [options]

Reads each image (any size, dark-on-light or light-on-dark, with or without transparency),
crops and centres it as MNIST digits were made, and prints the network's guess with the ten
probabilities.

Options:
  --show               also print the 28×28 image the network saw, as text
  ${backendFlag.help}
  --json               one JSON object per image on stdout: file, digit, probabilities
  -h, --help           this help

Examples:
  glassbox predict models/default.gbx my-seven.png
  glassbox predict models/3b1b.gbx digits/*.png --json`;

export async function predict(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine('predict', args, {
    show: { type: 'boolean' }, ...backendOptions, json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(predictHelp);
    return;
  }
  if (positionals.length < 2) throw new UsageError('predict takes a MODEL file and at least one IMAGE.png');
  const [modelPath, ...images] = positionals;
  const backend = await chooseBackend(values);
  const { network } = readModel(modelPath, backend);
  if (network.inputSize !== 784) {
    throw new UsageError(`${modelPath}: the model takes ${network.inputSize} inputs, not 784 (28×28 pixels)`);
  }
  // Read every image before printing, so a bad file fails the command before any output.
  const inputs = images.map((file) => ({ file, pixels: preprocessDigit(readPng(file), file) }));
  for (const { file, pixels } of inputs) {
    const { digit, probabilities } = guess(network, pixels);
    if (values.json) {
      console.log(JSON.stringify({ file, digit, probabilities }));
    } else {
      console.log(`${file}: ${digit} (${(probabilities[digit] * 100).toFixed(1)}%)  ` +
        probabilities.map((p, d) => `${d}:${p.toFixed(3)}`).join(' '));
    }
    if (values.show) console.log(asText(pixels));
  }
}

/**
 * The network's guess for one 28×28 image. A Softmax output already sums to 1; other outputs
 * (the video's sigmoid neurons) are divided by their sum so they read as probabilities too.
 */
function guess(network: Network, pixels: Float32Array): { digit: number; probabilities: number[] } {
  const x = new Tensor([1, 784], network.backend.alloc(784));
  x.data.set(pixels);
  const output = Array.from(network.forward(x, false).data);
  const normalise = !(network.layers.at(-1) instanceof Softmax);
  const total = output.reduce((a, b) => a + Math.max(b, 0), 0);
  const probabilities = normalise && total > 0 ? output.map((a) => Math.max(a, 0) / total) : output;
  let digit = 0;
  for (let d = 1; d < probabilities.length; d++) if (probabilities[d] > probabilities[digit]) digit = d;
  return { digit, probabilities };
}

/** The 28×28 input as text art, from blank (0) to full (1). */
function asText(pixels: Float32Array): string {
  const shades = ' .:-=+*#%@';
  const rows: string[] = [];
  for (let r = 0; r < 28; r++) {
    let row = '';
    for (let c = 0; c < 28; c++) {
      const shade = shades[Math.min(shades.length - 1, Math.floor(pixels[r * 28 + c] * shades.length))];
      row += shade + shade;
    }
    rows.push(`  |${row}|`);
  }
  return rows.join('\n');
}
