import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { encodeModel, GlassboxError, Network, type Random } from '../../src/index.js';
import { encodeOnnx } from '../../src/onnx/index.js';
import { evalCommand, evalHelp } from '../../cli/eval.js';
import { exportCommand, exportHelp } from '../../cli/export.js';
import { importCommand, importHelp } from '../../cli/import.js';
import { inspect, inspectHelp } from '../../cli/inspect.js';
import { predict, predictHelp } from '../../cli/predict.js';
import { train, trainHelp } from '../../cli/train.js';
import { UsageError } from '../../cli/usage-error.js';
import { isOneLine, type FuzzCase, type FuzzTarget } from '../fuzz-target.js';
import { pick } from '../mutate.js';
import { hostileModelFile } from './model-file.js';
import { onnxTarget } from './onnx.js';
import { pngTarget } from './png.js';

/**
 * The CLI's commands, called in-process with hostile argument lists (spawning a process per
 * case would take hours). The same functions cli/main.ts runs; main turns their errors into
 * one line and an exit code, so here a UsageError or GlassboxError is a clean refusal, and so
 * is DivergedError (training told to use an absurd learning rate), which main prints alike.
 */
const commands: Record<string, { run: (args: string[]) => Promise<void>; help: string }> = {
  train: { run: train, help: trainHelp },
  eval: { run: evalCommand, help: evalHelp },
  predict: { run: predict, help: predictHelp },
  inspect: { run: inspect, help: inspectHelp },
  export: { run: exportCommand, help: exportHelp },
  import: { run: importCommand, help: importHelp },
};

/** Training runs until stopped; after this long a case presses Ctrl-C, as a user would. */
const trainingBudgetMs = 300;

let folder = '';

function setup(into: string): void {
  folder = into;
  const network = Network.perceptron([784, 8, 10], 'relu', 'softmax', { seed: 1 });
  writeFileSync(join(folder, 'model.gbx'), encodeModel(network, { seed: 1 }));
  writeFileSync(join(folder, 'small.gbx'), encodeModel(new Network([{ type: 'dense', inputs: 3, outputs: 2 }]), {}));
  writeFileSync(join(folder, 'model.onnx'), encodeOnnx(network));
  const png = new PNG({ width: 28, height: 28 });
  png.data.fill(255);
  writeFileSync(join(folder, 'digit.png'), PNG.sync.write(png));
  writeFileSync(join(folder, 'empty'), new Uint8Array(0));
  writeFileSync(join(folder, 'notes.txt'), 'not a model\n');
  writeFileSync(join(folder, 'file'), 'a file where a folder is expected\n');
  mkdirSync(join(folder, 'dir'), { recursive: true });
}

/** Base command lines that run quickly, to mutate. */
function baseArguments(command: string): string[] {
  const at = (name: string) => join(folder, name);
  switch (command) {
    case 'train':
      return ['--layers', '784,8,10', '--epochs', '1', '--limit', '50', '--test-limit', '50', '--batch', '25',
        '--out', at('out.gbx'), '--json'];
    case 'eval': return [at('model.gbx'), '--limit', '50'];
    case 'predict': return [at('model.gbx'), at('digit.png')];
    case 'inspect': return [at('model.gbx')];
    case 'export': return [at('model.gbx'), '--onnx', at('out.onnx')];
    default: return [at('model.onnx'), '--out', at('imported.gbx')];
  }
}

/** Each command's flags and what kind of value each takes, read from its --help. */
function flags(command: string): { flag: string; value: string | undefined }[] {
  const found = new Map<string, string | undefined>();
  for (const match of commands[command].help.matchAll(/--([a-z][a-z-]*)(?: ([A-Z][A-Za-z.]*))?/g)) {
    found.set(`--${match[1]}`, found.get(`--${match[1]}`) ?? match[2]);
  }
  return [...found].map(([flag, value]) => ({ flag, value }));
}

const numbers = ['', '0', '-1', '1', '2', '0.5', '1e309', 'NaN', 'Infinity', '-Infinity', '1.5', '0x10', ' 7 ',
  '1e3', '99999999999999999999', 'abc', '１', '5e-324', '2147483648', '4e9', '0.999', '1e-300', '60000', '10000'];
const names = ['sigmoid', 'relu', 'leaky-relu', 'tanh', 'softmax', 'mse', 'cross-entropy', 'sgd', 'momentum',
  'adam', 'glorot', 'he', 'auto', 'reference', 'wasm', 'default', '3b1b', 'best', '', 'x', 'Sigmoid', 'relu ',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const sizes = ['784,16,10', '784,10', '784', '784,,10', '784,0,10', '784,-1,10', '784,1.5,10', '784,65537,10',
  '784,99999999,10', '10,784', '784,16,16,16,16,16,16,10', ' 784 , 8 , 10 ', '784,8,10,', 'a,b', '', '784;10',
  '784,1e3,10', '784,8,11'];
const strayTokens = ['--bogus', '-x', '--', '-', '--json=1', '--lr=abc', '--help', '-h', '---', '--=', '--out=',
  '\u0000', 'x'.repeat(5000), '--no-json', '-jh'];

/** A path for a file argument: the fixtures, things that are not files, or a hostile file. */
function pathValue(random: Random, index: number, kind: string): string {
  const at = (name: string) => join(folder, name);
  const choice = random.next();
  if (choice < 0.4) {
    // A damaged file of the kind expected, made by that reader's own fuzz target.
    const [extension, fuzzCase] = kind.includes('png') ? ['png', pngTarget.generate(random, index)]
      : kind.includes('onnx') ? ['onnx', onnxTarget.generate(random, index)]
      : ['gbx', hostileModelFile(random)];
    const file = at(`case.${extension}`);
    writeFileSync(file, fuzzCase.input as Uint8Array);
    return file;
  }
  return pick(random, [
    at('model.gbx'), at('small.gbx'), at('model.onnx'), at('digit.png'), at('empty'), at('notes.txt'),
    at('dir'), at('missing.gbx'), at('file/inside.gbx'), at('deep/new/folder/out.gbx'), at('out.gbx'), '',
    at('out.onnx'), at('dir/'), `${at('model.gbx')}\u0000x`,
  ]);
}

function valueFor(random: Random, index: number, kind: string | undefined): string {
  if (kind === undefined || random.next() < 0.1) return pick(random, [...numbers, ...names, ...strayTokens]);
  if (/FILE|MODEL|OUT|IMAGE/.test(kind)) return pathValue(random, index, kind.toLowerCase());
  if (kind === 'SIZES') return pick(random, sizes);
  if (kind === 'N') return pick(random, numbers);
  return pick(random, names);
}

function generate(random: Random, index: number): FuzzCase {
  // Without its own folder a case would write files where it runs, such as into the repository.
  if (folder === '') throw new Error('cliTarget.setup(folder) must run before cases are made');
  const command = pick(random, Object.keys(commands));
  const args = baseArguments(command);
  const known = flags(command);
  const steps: string[] = [];
  for (let i = 0, n = 1 + random.int(3); i < n; i++) {
    const choice = random.int(7);
    const at = random.int(args.length + 1);
    if (choice === 0 && args.length > 0) {
      // A value (or positional) replaced by one of the right kind, or of any kind.
      const flag = known.find((f) => f.flag === args[at - 1]);
      const kind = flag?.value ?? (args[at]?.startsWith('--') ? undefined : 'FILE');
      args[Math.min(at, args.length - 1)] = valueFor(random, index, kind);
      steps.push('a value replaced');
    } else if (choice === 1 && args.length > 0) {
      args.splice(Math.min(at, args.length - 1), 1);
      steps.push('a token removed');
    } else if (choice === 2) {
      const flag = pick(random, known);
      const tokens = flag.value === undefined ? [flag.flag] : [flag.flag, valueFor(random, index, flag.value)];
      args.splice(at, 0, ...tokens);
      steps.push(`${flag.flag} added`);
    } else if (choice === 3) {
      args.splice(at, 0, pick(random, strayTokens));
      steps.push('a stray token added');
    } else if (choice === 4) {
      // A flag from another command, with a value of its kind.
      const other = pick(random, flags(pick(random, Object.keys(commands))));
      args.splice(at, 0, other.flag, ...(other.value ? [valueFor(random, index, other.value)] : []));
      steps.push(`${other.flag} from another command`);
    } else if (choice === 5 && args.length > 1) {
      const other = random.int(args.length);
      const here = Math.min(at, args.length - 1);
      [args[here], args[other]] = [args[other], args[here]];
      steps.push('two tokens swapped');
    } else {
      args.push(pathValue(random, index, pick(random, ['MODEL', 'IMAGE.png', 'MODEL.onnx'])));
      steps.push('an extra file');
    }
  }
  return { input: [command, ...args], description: `${command}: ${steps.join('; ')}` };
}

/** Runs the command with its output silenced; training is interrupted after a short while. */
async function run(fuzzCase: FuzzCase): Promise<void> {
  const [command, ...args] = fuzzCase.input as string[];
  const { stdout, stderr } = process;
  const writes = [stdout.write, stderr.write, console.log, console.error, console.warn];
  const silent = () => true;
  stdout.write = silent as typeof stdout.write;
  stderr.write = silent as typeof stderr.write;
  console.log = console.error = console.warn = silent;
  const interrupt = setTimeout(() => process.emit('SIGINT'), trainingBudgetMs);
  try {
    await commands[command].run(args);
  } finally {
    clearTimeout(interrupt);
    [stdout.write, stderr.write, console.log, console.error, console.warn] = writes as [
      typeof stdout.write, typeof stderr.write, typeof console.log, typeof console.error, typeof console.warn,
    ];
    process.exitCode = undefined;
  }
}

export const cliTarget: FuzzTarget = {
  name: 'cli',
  reader: 'the commands (train, eval, predict, inspect, export, import) on argument lists',
  setup,
  generate,
  run,
  // Training reads MNIST's 47 MB of training images, so the CLI may allocate that much.
  maxAllocationBytes: 128 * 2 ** 20,
  clean: (error) =>
    (error instanceof UsageError || error instanceof GlassboxError || (error as Error)?.name === 'DivergedError') &&
    isOneLine((error as Error).message),
};
