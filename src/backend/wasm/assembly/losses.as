// The losses, in float64 one element at a time and in the reference's order: they run on the
// output layer only (a few numbers per example), and so can afford to agree with the reference
// to the last bit of the float32 gradients they write. Each stores the batch mean loss as a
// float64 at `loss` rather than returning it: JavaScript receives a float64 returned from
// WebAssembly as a new heap number (16 bytes a batch), where it reads memory without allocating.

/**
 * Quadratic cost: stores the batch mean of ½·Σ_j (y − target)² at loss and writes
 * dy = (y − target) / rows. All arrays [rows, n]; dy may be y.
 */
export function meanSquaredError(loss: usize, dy: usize, y: usize, target: usize, rows: i32, n: i32): void {
  const count = <usize>rows * n;
  let sum: f64 = 0;
  for (let i: usize = 0; i < count; i++) {
    const at = i << 2;
    const difference = <f64>load<f32>(y + at) - <f64>load<f32>(target + at);
    sum += difference * difference;
    store<f32>(dy + at, <f32>(difference / rows));
  }
  store<f64>(loss, (0.5 * sum) / rows);
}

/**
 * Softmax then cross-entropy, fused: writes probabilities p = e^(logit − largest) / Σ and
 * dLogits = (p − target) / rows, and stores at loss the batch mean of
 * Σ_j target·(logSumExp − logit), where zero targets add nothing. probabilities may be logits;
 * dLogits is distinct from both. Rows that fit in `keptBytes` bytes of float64 at `kept` (the
 * caller's scratch) keep each e^(logit − largest) there between the pass that sums them and the
 * pass that divides them by their sum, rather than taking each exponential twice, which took half
 * of this kernel's time (64 × 10, 1 thread: 6.5 µs against 10.2).
 */
export function softmaxCrossEntropy(
  loss: usize, dLogits: usize, probabilities: usize, logits: usize, target: usize, rows: i32, n: i32,
  kept: usize, keptBytes: usize,
): void {
  const keep = (<usize>n << 3) <= keptBytes;
  let total: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const start = <usize>i * n * 4;
    let largest: f64 = -Infinity;
    for (let j = 0; j < n; j++) largest = max(largest, <f64>load<f32>(logits + start + (<usize>j << 2)));
    let sum: f64 = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(<f64>load<f32>(logits + start + (<usize>j << 2)) - largest);
      if (keep) store<f64>(kept + (<usize>j << 3), e);
      sum += e;
    }
    const logSumExp = largest + Math.log(sum);
    for (let j = 0; j < n; j++) {
      const at = start + (<usize>j << 2);
      const t = <f64>load<f32>(target + at);
      const logit = <f64>load<f32>(logits + at);
      if (t != 0) total += t * (logSumExp - logit);
      const e = keep ? load<f64>(kept + (<usize>j << 3)) : Math.exp(logit - largest);
      const p = e / sum;
      store<f32>(probabilities + at, <f32>p);
      store<f32>(dLogits + at, <f32>((p - t) / rows));
    }
  }
  store<f64>(loss, total / rows);
}

/**
 * Sigmoid then cross-entropy, fused: writes activations = σ(z) and dz = (a − target) / rows, and
 * stores at loss the batch mean of Σ_j max(z, 0) − z·t + ln(1 + e^(−|z|)), which never overflows.
 * activations may be z; dz is distinct from both.
 */
export function sigmoidCrossEntropy(
  loss: usize, dz: usize, activations: usize, z: usize, target: usize, rows: i32, n: i32,
): void {
  const count = <usize>rows * n;
  let total: f64 = 0;
  for (let i: usize = 0; i < count; i++) {
    const at = i << 2;
    const v = <f64>load<f32>(z + at);
    const t = <f64>load<f32>(target + at);
    total += max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)));
    const a = 1 / (1 + Math.exp(-v));
    store<f32>(activations + at, <f32>a);
    store<f32>(dz + at, <f32>((a - t) / rows));
  }
  store<f64>(loss, total / rows);
}
