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
    super(escapeControlCharacters(where === '' ? problem : `${where}: ${problem}`));
    this.name = 'GlassboxError';
    this.source = source;
    this.field = field;
  }
}

/**
 * Messages quote outside data (a JSON parser's excerpt, a chunk name), which may hold newlines,
 * NULs or terminal escape sequences; written as \u escapes they keep the message one safe line.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
