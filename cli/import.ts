import { encodeModel, modelFileExtension } from '../src/index.js';
import { parseCommandLine } from './args.js';
import { readBytes, writeFileAtomic } from './files.js';
import { UsageError } from './usage-error.js';

export const importHelp = `Usage: glassbox import MODEL.onnx [--out OUT${modelFileExtension}]

Reads an ONNX model of a plain multilayer perceptron, such as one trained in PyTorch and
exported with torch.onnx.export, and saves it as a Glassbox model to inspect, evaluate or
keep training. It reads Gemm, MatMul + Add, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Dropout,
Identity, Flatten or Reshape of the input, and the Deskew subgraph that glassbox export
writes; any other op is named in the error.

Options:
  --out FILE           where to save, written atomically (default: MODEL with
                       ${modelFileExtension} in place of .onnx)
  -h, --help           this help

Examples:
  glassbox import mlp.onnx
  glassbox import mlp.onnx --out models/torch-mlp.gbx
  glassbox inspect models/torch-mlp.gbx`;

export async function importCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine('import', args, {
    out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(importHelp);
    return;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`import takes one MODEL.onnx file, got ${positionals.length}`);
  }
  const source = positionals[0];
  const out = values.out ?? `${source.replace(/\.onnx$/i, '')}${modelFileExtension}`;
  if (out === '' || out === source) {
    throw new UsageError(`import needs --out FILE different from ${source}`);
  }
  // Loaded here, not at start-up: only these commands need protobufjs.
  const { decodeOnnx } = await import('../src/onnx/index.js');
  const { network, info } = decodeOnnx(readBytes(source), { source });
  writeFileAtomic(out, encodeModel(network, { ...info, createdAt: new Date().toISOString() }));
  console.log(`Wrote ${out}: ${network} from ${source}`);
}
