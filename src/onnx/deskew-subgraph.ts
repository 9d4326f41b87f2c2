import { attributeType, dataType } from './onnx-schema.js';
import { tensorProto, type TensorObject, type TensorProtoType } from './tensor-proto.js';

/** A node as Glassbox writes it (protobufjs's plain-object form of NodeProto). */
export interface NodeObject {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  /** The subgraph's attributes are all ints (Cast's `to`, GatherElements' `axis`, ...). */
  attribute: { name: string; type: number; i: number }[];
}

/** Nodes and the constants they read, to splice into a graph. */
export interface Subgraph {
  nodes: NodeObject[];
  initializers: TensorObject[];
}

/** The name prefix of layer i's Deskew subgraph, such as "layers.0.deskew". */
export function deskewPrefix(i: number): string {
  return `layers.${i}.deskew`;
}

/**
 * The Deskew layer (layers/deskew.ts, maths in data/deskew.ts) as standard ONNX operators
 * (opset 13), so that runtimes straighten digits exactly as Glassbox does. Reads `input`
 * [batch, width·height] float, writes `output` of the same shape. Every node and constant is
 * named `prefix/...`, which is how decodeOnnx finds the subgraph again.
 *
 * The arithmetic is deskewImage's, step for step and in double precision as JavaScript does it,
 * so each pixel comes out the same up to the order in which the moments are summed. The pixels
 * stay flat, [batch, width·height]: each pixel's column and row are constants, and the two
 * neighbours a pixel reads from lie in its own row, found with GatherElements.
 */
export function deskewSubgraph(
  prefix: string, input: string, output: string, width: number, height: number,
): Subgraph {
  const graph = new SubgraphBuilder(prefix);
  const pixels = pixelConstants(graph, width, height);
  const image = graph.node('Cast', [input], 'image', { to: dataType.double });
  const centred = centredCoordinates(graph, image, pixels);
  const lean = slant(graph, image, centred, pixels);
  const source = sourceColumns(graph, lean.slant, centred.dy, pixels);
  const left = neighbour(graph, image, source.left, 'left', pixels);
  const rightColumn = graph.node('Add', [source.left, pixels.one], 'rightColumn');
  const right = neighbour(graph, image, rightColumn, 'right', pixels);
  const blended = blend(graph, left, right, source.fraction, pixels);
  // deskewImage copies an image with no ink or with ink on a single row as it is; choosing the
  // input there (rather than a slant of 0) copies even -0 and ±Infinity exactly, and keeps the
  // NaN that such an image's slant may hold away from the output.
  const deskewed = graph.node('Where', [lean.straighten, blended, image], 'deskewed');
  graph.node('Cast', [deskewed], 'output', { to: dataType.float }, output);
  return graph;
}

/** Collects nodes named after the value each makes, `prefix/name`. */
class SubgraphBuilder implements Subgraph {
  readonly nodes: NodeObject[] = [];
  readonly initializers: TensorObject[] = [];

  constructor(private readonly prefix: string) {}

  /** Adds a node; returns the name of its output (`output` if given, else `prefix/name`). */
  node(
    op: string, inputs: string[], name: string, attributes: Record<string, number> = {},
    output = `${this.prefix}/${name}`,
  ): string {
    const attribute = Object.entries(attributes)
      .map(([key, value]) => ({ name: key, type: attributeType.int, i: value }));
    this.nodes.push({
      name: `${this.prefix}/${name}`, op_type: op, input: inputs, output: [output], attribute,
    });
    return output;
  }

  /** Adds a constant; returns its name. */
  constant(name: string, dims: number[], type: TensorProtoType, values: ArrayLike<number>): string {
    const full = `${this.prefix}/${name}`;
    this.initializers.push(tensorProto(full, dims, type, values));
    return full;
  }
}

/** The names of the constants the subgraph reads. */
interface PixelConstants {
  /** Each pixel's column x and row y, [width·height], in the input's row-major order. */
  column: string;
  row: string;
  /** The flat index of the first pixel of each pixel's row, y·width. */
  rowStart: string;
  width: string;
  zero: string;
  one: string;
  /** [1]: ReduceSum's axes, summing over each image's pixels. */
  pixelAxis: string;
}

function pixelConstants(graph: SubgraphBuilder, width: number, height: number): PixelConstants {
  const size = width * height;
  const column = new Float64Array(size);
  const row = new Float64Array(size);
  const rowStart = new Float64Array(size);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      column[y * width + x] = x;
      row[y * width + x] = y;
      rowStart[y * width + x] = y * width;
    }
  }
  return {
    column: graph.constant('column', [size], 'double', column),
    row: graph.constant('row', [size], 'double', row),
    rowStart: graph.constant('rowStart', [size], 'double', rowStart),
    width: graph.constant('width', [], 'double', [width]),
    zero: graph.constant('zero', [], 'double', [0]),
    one: graph.constant('one', [], 'double', [1]),
    pixelAxis: graph.constant('pixelAxis', [1], 'int64', [1]),
  };
}

/** Σ over each image's pixels of `value` [batch, pixels] → [batch, 1]. */
function sumPixels(
  graph: SubgraphBuilder, value: string, name: string, pixels: PixelConstants,
): string {
  return graph.node('ReduceSum', [value, pixels.pixelAxis], name, { keepdims: 1 });
}

/**
 * The ink's mass and each pixel's offset from the centre of the ink: dx = x − centreX and
 * dy = y − centreY, [batch, pixels]. An image without ink divides by 0 here; its NaNs are
 * dropped at the end.
 */
function centredCoordinates(
  graph: SubgraphBuilder, image: string, pixels: PixelConstants,
): { mass: string; dx: string; dy: string } {
  const mass = sumPixels(graph, image, 'mass', pixels);
  const inkX = graph.node('Mul', [image, pixels.column], 'inkX');
  const inkY = graph.node('Mul', [image, pixels.row], 'inkY');
  const centreX = graph.node('Div', [sumPixels(graph, inkX, 'sumX', pixels), mass], 'centreX');
  const centreY = graph.node('Div', [sumPixels(graph, inkY, 'sumY', pixels), mass], 'centreY');
  return {
    mass,
    dx: graph.node('Sub', [pixels.column, centreX], 'dx'),
    dy: graph.node('Sub', [pixels.row, centreY], 'dy'),
  };
}

/**
 * slant = covarianceXY / varianceY, [batch, 1], and whether the image is straightened at all:
 * only when it has ink (mass > 0) spread over more than one row (varianceY > 0), as in
 * deskewImage. The products keep deskewImage's order, ink·(x − centreX)·(y − centreY).
 */
function slant(
  graph: SubgraphBuilder, image: string, centred: { mass: string; dx: string; dy: string },
  pixels: PixelConstants,
): { slant: string; straighten: string } {
  const { mass, dx, dy } = centred;
  const inkDx = graph.node('Mul', [image, dx], 'inkDx');
  const inkDxDy = graph.node('Mul', [inkDx, dy], 'inkDxDy');
  const covariance = sumPixels(graph, inkDxDy, 'covarianceXY', pixels);
  const inkDy = graph.node('Mul', [image, dy], 'inkDy');
  const inkDyDy = graph.node('Mul', [inkDy, dy], 'inkDyDy');
  const variance = sumPixels(graph, inkDyDy, 'varianceY', pixels);
  const hasInk = graph.node('Greater', [mass, pixels.zero], 'hasInk');
  const spansRows = graph.node('Greater', [variance, pixels.zero], 'spansRows');
  return {
    slant: graph.node('Div', [covariance, variance], 'slant'),
    straighten: graph.node('And', [hasInk, spansRows], 'straighten'),
  };
}

/**
 * Where each pixel reads from: from = x + slant·(y − centreY), split into the column to its
 * left, floor(from), and the fraction of the way to the next one, [batch, pixels].
 */
function sourceColumns(
  graph: SubgraphBuilder, slantValue: string, dy: string, pixels: PixelConstants,
): { left: string; fraction: string } {
  const shift = graph.node('Mul', [slantValue, dy], 'shift');
  const from = graph.node('Add', [pixels.column, shift], 'from');
  const left = graph.node('Floor', [from], 'leftColumn');
  return { left, fraction: graph.node('Sub', [from, left], 'fraction') };
}

/**
 * The ink at `column` of each pixel's row, 0 outside the image, [batch, pixels]. Columns outside
 * (or NaN, for an image that is copied anyway) are replaced by 0 before they become indices, so
 * GatherElements only ever sees indices inside the image.
 */
function neighbour(
  graph: SubgraphBuilder, image: string, column: string, name: string, pixels: PixelConstants,
): string {
  const notBefore = graph.node('GreaterOrEqual', [column, pixels.zero], `${name}NotBefore`);
  const beforeEnd = graph.node('Less', [column, pixels.width], `${name}BeforeEnd`);
  const inside = graph.node('And', [notBefore, beforeEnd], `${name}Inside`);
  const safeColumn = graph.node('Where', [inside, column, pixels.zero], `${name}SafeColumn`);
  const flatIndex = graph.node('Add', [pixels.rowStart, safeColumn], `${name}FlatIndex`);
  const index = graph.node('Cast', [flatIndex], `${name}Index`, { to: dataType.int64 });
  const ink = graph.node('GatherElements', [image, index], `${name}Gathered`, { axis: 1 });
  return graph.node('Where', [inside, ink, pixels.zero], `${name}Ink`);
}

/** left·(1 − fraction) + right·fraction, in deskewImage's order. */
function blend(
  graph: SubgraphBuilder, left: string, right: string, fraction: string, pixels: PixelConstants,
): string {
  const rest = graph.node('Sub', [pixels.one, fraction], 'oneMinusFraction');
  const leftPart = graph.node('Mul', [left, rest], 'leftPart');
  const rightPart = graph.node('Mul', [right, fraction], 'rightPart');
  return graph.node('Add', [leftPart, rightPart], 'blended');
}
