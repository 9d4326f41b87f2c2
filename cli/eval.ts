import { createLoss, evaluate, Softmax, type Evaluation } from '../src/index.js';
import { numberFlag, parseCommandLine } from './args.js';
import { chooseBackend, backendFlag, backendOptions } from './backend-flag.js';
import { readModel } from './files.js';
import { loadMnist } from './mnist-files.js';
import { UsageError } from './usage-error.js';

export const evalHelp = `Usage: glassbox eval MODEL [options]

Measures a saved model on the 10,000 MNIST test digits: accuracy, the confusion matrix
(rows: the true digit, columns: the network's guess) and each digit's accuracy.

Options:
  --limit N            use the first N test digits only
  ${backendFlag.help}
  --json               one JSON object on stdout: accuracy, loss, confusion, perClassAccuracy, count
  -h, --help           this help

Examples:
  glassbox eval models/default.gbx
  glassbox eval models/3b1b.gbx --json`;

export async function evalCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine('eval', args, {
    limit: { type: 'string' }, ...backendOptions, json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(evalHelp);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(`eval takes one MODEL file, got ${positionals.length}`);
  const limit = numberFlag('limit', values.limit, 10000, { min: 1, max: 10000, integer: true });
  const backend = await chooseBackend(values);
  const { network } = readModel(positionals[0], backend);
  const test = loadMnist('test', backend).slice(0, limit);
  if (network.outputSize !== 10 || network.inputSize !== 784) {
    throw new UsageError(`${positionals[0]}: the model takes ${network.inputSize} inputs and gives ${network.outputSize} outputs; MNIST needs 784 and 10`);
  }
  const loss = createLoss(network.layers.at(-1) instanceof Softmax ? 'cross-entropy' : 'mse');
  const result = evaluate(network, test, { loss });
  if (values.json) {
    console.log(JSON.stringify({
      model: positionals[0], accuracy: result.accuracy, loss: result.loss, count: result.count,
      confusion: result.confusion, perClassAccuracy: result.perClassAccuracy,
    }));
    return;
  }
  console.log(formatEvaluation(positionals[0], result));
}

export function formatEvaluation(name: string, result: Evaluation): string {
  const lines = [
    `${name}: ${(result.accuracy * 100).toFixed(2)}% of ${result.count} test digits right` +
      (result.loss === undefined ? '' : `, mean loss ${result.loss.toFixed(4)}`),
    '',
    'Confusion matrix (rows: true digit, columns: guess)',
    `      ${result.confusion.map((_, j) => String(j).padStart(5)).join('')}   accuracy`,
  ];
  result.confusion.forEach((row, i) => {
    const cells = row.map((count) => String(count).padStart(5)).join('');
    lines.push(`  ${String(i).padStart(2)}  ${cells}   ${(result.perClassAccuracy[i] * 100).toFixed(1).padStart(6)}%`);
  });
  return lines.join('\n');
}
