import { parseCommandLine } from './args.js';
import { readModel, writeFileAtomic } from './files.js';
import { UsageError } from './usage-error.js';

export const exportHelp = `Usage: glassbox export MODEL --onnx OUT.onnx

Writes a saved model as ONNX (opset 13), to serve it with onnxruntime or open it in other
tools. Each dense layer becomes a Gemm node, a Deskew layer a subgraph of standard ops named
"layers.0.deskew/..."; the graph takes "input" [batch, inputs] and gives "output"
[batch, outputs]. How the model was made goes into the metadata as "glassbox.info", its
layers as "glassbox.layers".

Options:
  --onnx FILE          where to write the ONNX model; written atomically
  -h, --help           this help

Examples:
  glassbox export models/default.gbx --onnx default.onnx
  python -c "import onnxruntime as ort; print(ort.InferenceSession('default.onnx').get_inputs())"`;

export async function exportCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine('export', args, {
    onnx: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(exportHelp);
    return;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`export takes one MODEL file, got ${positionals.length}`);
  }
  if (values.onnx === undefined || values.onnx === '') {
    throw new UsageError('export needs --onnx OUT.onnx, the file to write');
  }
  // Loaded here, not at start-up: only these commands need protobufjs.
  const { encodeOnnx } = await import('../src/onnx/index.js');
  const { network, info } = readModel(positionals[0]);
  const bytes = encodeOnnx(network, info);
  writeFileAtomic(values.onnx, bytes);
  const size = bytes.length.toLocaleString('en-US');
  console.log(`Wrote ${values.onnx}: ${network} as ONNX (${size} bytes)`);
}
