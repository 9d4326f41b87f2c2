/**
 * The one error type that readers of outside data throw (model files, ONNX, IDX, images, CLI
 * arguments). Its message names where the problem is and what was expected, so that a shell can
 * print it as one line.
 */
export class GlassboxError extends Error {
  /** The file or input the problem is in, such as "models/default.gbx"; may be empty. */
  readonly source: string;
  /** The field, header entry or argument at fault, such as "layers[2].outputs"; may be empty. */
  readonly field: string;

  constructor(source: string, field: string, problem: string) {
    const where = [source, field].filter((part) => part !== '').join(': ');
    super(where === '' ? problem : `${where}: ${problem}`);
    this.name = 'GlassboxError';
    this.source = source;
    this.field = field;
  }
}
