import { Dense } from '../src/index.js';
import { parseCommandLine } from './args.js';
import { readModel } from './files.js';
import { UsageError } from './usage-error.js';

export const inspectHelp = `Usage: glassbox inspect MODEL [--json]

Shows a saved model's layers, their parameter counts, and how it was made (seed, optimizer,
epochs, data, test accuracy).

Examples:
  glassbox inspect models/default.gbx
  glassbox inspect models/3b1b.gbx --json`;

export async function inspect(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine('inspect', args, {
    json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(inspectHelp);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(`inspect takes one MODEL file, got ${positionals.length}`);
  const { network, info } = readModel(positionals[0]);
  const layers = network.layers.map((layer) => ({
    layer: String(layer),
    parameters: layer.params.reduce((total, p) => total + p.value.size, 0),
  }));
  if (values.json) {
    console.log(JSON.stringify({ model: positionals[0], layers, parameters: network.parameterCount(), info }));
    return;
  }
  console.log(`${positionals[0]}: ${network.denseLayers().map((d: Dense) => d.inputs).concat(network.outputSize).join('-')} network, ` +
    `${network.parameterCount().toLocaleString('en-US')} parameters`);
  console.log('');
  for (const [i, { layer, parameters }] of layers.entries()) {
    console.log(`  ${String(i).padStart(2)}  ${layer.padEnd(22)} ${parameters ? parameters.toLocaleString('en-US').padStart(10) : ''}`);
  }
  console.log('');
  console.log('How it was made:');
  for (const [key, value] of Object.entries(info)) {
    if (value === undefined) continue;
    const text = typeof value === 'object' ? JSON.stringify(value) : key === 'testAccuracy' ? `${((value as number) * 100).toFixed(2)}%` : String(value);
    console.log(`  ${key.padEnd(16)} ${text}`);
  }
}
