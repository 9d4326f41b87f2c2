import { GlassboxError } from '../src/index.js';
import { evalCommand, evalHelp } from './eval.js';
import { exportCommand, exportHelp } from './export.js';
import { importCommand, importHelp } from './import.js';
import { inspect, inspectHelp } from './inspect.js';
import { predict, predictHelp } from './predict.js';
import { train, trainHelp } from './train.js';
import { UsageError } from './usage-error.js';

const commands: Record<string, { run: (args: string[]) => Promise<void>; help: string; summary: string }> = {
  train: { run: train, help: trainHelp, summary: 'train a network on MNIST and save it' },
  eval: { run: evalCommand, help: evalHelp, summary: 'accuracy and confusion matrix on the test set' },
  predict: { run: predict, help: predictHelp, summary: 'guess the digit in PNG images' },
  inspect: { run: inspect, help: inspectHelp, summary: "show a model's layers and how it was made" },
  export: { run: exportCommand, help: exportHelp, summary: 'write a model as ONNX, for onnxruntime' },
  import: { run: importCommand, help: importHelp, summary: 'read an ONNX MLP (from PyTorch, say) as a model' },
};

const help = `Usage: glassbox COMMAND [options]

A neural network you can see inside, for handwritten digits.

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Run glassbox COMMAND --help for a command's options.

Examples:
  glassbox train --preset 3b1b
  glassbox eval models/3b1b.gbx
  glassbox predict models/3b1b.gbx my-digit.png --show`;

/** Runs one command line; every failure becomes one line on stderr and a non-zero exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command "${name}"; commands are ${Object.keys(commands).join(', ')}`);
    await command.run(args);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`glassbox: ${error.message}\nRun glassbox ${command ? `${name} ` : ''}--help for usage.\n`);
      return 2;
    }
    if (error instanceof GlassboxError || error instanceof RangeError || (error as Error).name === 'DivergedError') {
      process.stderr.write(`glassbox ${name}: ${(error as Error).message}\n`);
      return 1;
    }
    // Anything else is our bug: still one line, and the stack only when asked for.
    process.stderr.write(`glassbox ${name}: internal error: ${(error as Error).message ?? error}\n`);
    if (process.env.GLASSBOX_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return 70;
  }
}

process.exitCode = await main(process.argv.slice(2));
