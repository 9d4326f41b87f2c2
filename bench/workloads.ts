/**
 * The workloads of issue 3, defined once so that every peer (Glassbox, TensorFlow.js, PyTorch)
 * trains exactly the same network the same way. run.ts hands a workload to each child process as
 * JSON; torch.py reads the same fields.
 */
export interface TrainingWorkload {
  id: 'W1' | 'W2' | 'W4';
  description: string;
  /** Layer widths, input first: [784, 128, 10] is one hidden layer of 128. */
  layers: number[];
  /** After every hidden layer. */
  activation: 'relu' | 'sigmoid';
  /** After the last layer; softmax is fused with the cross-entropy loss. */
  output: 'softmax' | 'sigmoid';
  /**
   * 'cross-entropy' is softmax cross-entropy, averaged over the batch. 'mse' is the quadratic
   * cost of Nielsen's book, ½·Σ(a − y)² summed over the outputs and averaged over the batch.
   */
  loss: 'cross-entropy' | 'mse';
  /** Plain SGD (momentum 0), or SGD with momentum v ← μv + g, w ← w − ηv. */
  momentum: number;
  learningRate: number;
  batchSize: number;
}

export const trainingWorkloads: Record<TrainingWorkload['id'], TrainingWorkload> = {
  W1: {
    id: 'W1',
    description: '784-128-10 ReLU, softmax cross-entropy, SGD momentum 0.9, lr 0.05, batch 64',
    layers: [784, 128, 10],
    activation: 'relu',
    output: 'softmax',
    loss: 'cross-entropy',
    momentum: 0.9,
    learningRate: 0.05,
    batchSize: 64,
  },
  W2: {
    id: 'W2',
    description: '784-16-16-10 all sigmoid, quadratic cost, SGD η = 3.0, batch 10',
    layers: [784, 16, 16, 10],
    activation: 'sigmoid',
    output: 'sigmoid',
    loss: 'mse',
    momentum: 0,
    learningRate: 3.0,
    batchSize: 10,
  },
  W4: {
    id: 'W4',
    description: '784-512-512-10 ReLU, as W1 but batch 128',
    layers: [784, 512, 512, 10],
    activation: 'relu',
    output: 'softmax',
    loss: 'cross-entropy',
    momentum: 0.9,
    learningRate: 0.05,
    batchSize: 128,
  },
};

/** W3 is inference with the network W1 just trained: all 10,000 test digits in one call, then one. */
export const inferenceBatch = 10_000;
