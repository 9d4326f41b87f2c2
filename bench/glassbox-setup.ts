/**
 * A Glassbox network, loss and optimizer for a workload, on the backend a ChildSpec names, built
 * through the public door only, as a user would.
 */
import {
  createLoss, createOptimizer, createWasmBackend, enableRelaxedSimd, Network, ReferenceBackend,
  type Backend, type Loss, type Optimizer,
} from '../src/index.js';
import type { ChildSpec } from './measure.js';
import type { TrainingWorkload } from './workloads.js';

export interface GlassboxSetup {
  backend: Backend;
  network: Network;
  loss: Loss;
  optimizer: Optimizer;
  /** The backend in words, e.g. "wasm-simd, shared memory, 1 thread". */
  label: string;
}

/**
 * The backend `spec` asks for, or an Error saying why this runtime cannot run it (no
 * WebAssembly SIMD, or no shared memory for threads).
 */
export async function glassboxBackend(spec: Pick<ChildSpec, 'backend' | 'threads'>): Promise<{
  backend: Backend; label: string;
}> {
  if (spec.backend === 'reference') {
    if (spec.threads !== 1) throw new Error('the reference backend runs on one thread only');
    return { backend: new ReferenceBackend(), label: 'reference (scalar TypeScript), 1 thread' };
  }
  if (spec.backend !== 'wasm') throw new Error(`unknown Glassbox backend "${spec.backend}"`);
  // As the CLI does: relaxed SIMD where this runtime can turn it on (Node 20 keeps it behind a
  // flag), the label saying which build ran.
  enableRelaxedSimd();
  const backend = await createWasmBackend({ threads: spec.threads });
  // A backend that quietly ran fewer threads than asked for would mislabel its column.
  if (backend.threads !== spec.threads) {
    throw new Error(`the wasm backend started ${backend.threads} thread(s), not ${spec.threads}`);
  }
  const threads = backend.threads;
  const memory = backend.shared ? 'shared memory' : 'unshared memory';
  return { backend, label: `${backend.name}, ${memory}, ${threads} thread${threads > 1 ? 's' : ''}` };
}

export async function setUpGlassbox(spec: Pick<ChildSpec, 'backend' | 'threads'>, workload: TrainingWorkload): Promise<GlassboxSetup> {
  const { backend, label } = await glassboxBackend(spec);
  const network = Network.perceptron(workload.layers, workload.activation, workload.output, { backend, seed: 1 });
  const loss = createLoss(workload.loss);
  const optimizer = createOptimizer(backend, workload.momentum > 0 ? 'momentum' : 'sgd', {
    learningRate: workload.learningRate, momentum: workload.momentum,
  });
  return { backend, network, loss, optimizer, label };
}
