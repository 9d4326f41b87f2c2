import type { FuzzTarget } from './fuzz-target.js';
import { cliTarget } from './targets/cli-arguments.js';
import { idxTarget } from './targets/idx.js';
import { modelFileTarget } from './targets/model-file.js';
import { onnxTarget } from './targets/onnx.js';
import { pngTarget } from './targets/png.js';

/** Every reader the fuzzer covers, by name. */
export const targets: readonly FuzzTarget[] = [modelFileTarget, onnxTarget, idxTarget, pngTarget, cliTarget];

export function findTarget(name: string): FuzzTarget | undefined {
  return targets.find((target) => target.name === name);
}
