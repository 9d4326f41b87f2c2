// The optimizer steps, in place on float32, four parameters at a time. The hyperparameters are
// rounded to float32 (a relative 6e-8, far below what training notices).
import { loadPair, loadPartial, madd, storePair, storePartial } from './vector';

/**
 * Stochastic gradient descent with (optionally Nesterov) momentum, in float64 two parameters at a
 * time, in the reference's order of operations, so the results agree with it to the last bit:
 *   g = grad + weightDecay·value;  velocity = momentum·velocity − learningRate·g
 *   value += velocity, or with Nesterov value += momentum·velocity − learningRate·g.
 */
export function sgdStep(
  value: usize, grad: usize, velocity: usize, count: i32,
  learningRate: f64, momentum: f64, nesterov: bool, weightDecay: f64,
): void {
  const rate = f64x2.splat(learningRate);
  const mu = f64x2.splat(momentum);
  const decay = f64x2.splat(weightDecay);
  for (let i = 0; i < count; i += 2) {
    const at = <usize>i << 2;
    const pair = count - i >= 2;
    const w = loadPair(value + at, pair);
    const g = f64x2.add(loadPair(grad + at, pair), f64x2.mul(decay, w));
    const v = f64x2.sub(f64x2.mul(mu, loadPair(velocity + at, pair)), f64x2.mul(rate, g));
    storePair(velocity + at, v, pair);
    const change = nesterov ? f64x2.sub(f64x2.mul(mu, v), f64x2.mul(rate, g)) : v;
    storePair(value + at, f64x2.add(w, change), pair);
  }
}

// Where |g| exceeds this, g² would overflow float32 while the reference's float64 holds it, so
// those four parameters take the float64 path instead, exactly as the reference computes them.
const HUGE_GRADIENT: f32 = 1e18;

/**
 * One Adam step with L2 weight decay in the gradient:
 *   g = grad + weightDecay·value;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
 *   value −= learningRate·(m / correction1) / (√(v / correction2) + epsilon)
 * where correction1 = 1 − β1^step and correction2 = 1 − β2^step. The float32 path computes the
 * last line as rate·m / (√v·rootScale + epsilon), with rate = learningRate / correction1 and
 * rootScale = 1 / √correction2 from the caller: one division and one square root per parameter.
 */
export function adamStep(
  value: usize, grad: usize, m: usize, v: usize, count: i32, learningRate: f64,
  beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, correction1: f64, correction2: f64,
): void {
  const rate = f32x4.splat(<f32>(learningRate / correction1));
  const rootScale = f32x4.splat(<f32>(1 / Math.sqrt(correction2)));
  const b1 = f32x4.splat(<f32>beta1);
  const b2 = f32x4.splat(<f32>beta2);
  const c1 = f32x4.splat(<f32>(1 - beta1));
  const c2 = f32x4.splat(<f32>(1 - beta2));
  const eps = f32x4.splat(<f32>epsilon);
  const decay = f32x4.splat(<f32>weightDecay);
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    const left = count - i;
    const w = loadPartial(value + at, left);
    const g = madd(decay, w, loadPartial(grad + at, left));
    if (v128.any_true(f32x4.gt(f32x4.abs(g), f32x4.splat(HUGE_GRADIENT)))) {
      adamStepFloat64(value + at, grad + at, m + at, v + at, min(left, 4), learningRate, beta1, beta2,
        epsilon, weightDecay, correction1, correction2);
      continue;
    }
    const mi = madd(b1, loadPartial(m + at, left), f32x4.mul(c1, g));
    const vi = madd(b2, loadPartial(v + at, left), f32x4.mul(c2, f32x4.mul(g, g)));
    storePartial(m + at, mi, left);
    storePartial(v + at, vi, left);
    const step = f32x4.div(f32x4.mul(rate, mi), madd(f32x4.sqrt(vi), rootScale, eps));
    storePartial(value + at, f32x4.sub(w, step), left);
  }
}

/** The reference's Adam step, in float64, for `count` parameters. */
function adamStepFloat64(
  value: usize, grad: usize, m: usize, v: usize, count: i32, learningRate: f64,
  beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, correction1: f64, correction2: f64,
): void {
  for (let i = 0; i < count; i++) {
    const at = <usize>i << 2;
    const w = <f64>load<f32>(value + at);
    const g = <f64>load<f32>(grad + at) + weightDecay * w;
    const mi = beta1 * <f64>load<f32>(m + at) + (1 - beta1) * g;
    const vi = beta2 * <f64>load<f32>(v + at) + (1 - beta2) * g * g;
    store<f32>(m + at, <f32>mi);
    store<f32>(v + at, <f32>vi);
    store<f32>(value + at, <f32>(w - (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon)));
  }
}
