// The optimizer steps, in place on float32, four parameters at a time. The hyperparameters arrive
// as float32 (their rounding is a relative 6e-8, far below what training notices).
import { loadPartial, madd, storePartial } from './vector';

/**
 * Stochastic gradient descent with (optionally Nesterov) momentum:
 *   g = grad + weightDecay·value;  velocity = momentum·velocity − learningRate·g
 *   value += velocity, or with Nesterov value += momentum·velocity − learningRate·g.
 */
export function sgdStep(
  value: usize, grad: usize, velocity: usize, count: i32,
  learningRate: f32, momentum: f32, nesterov: bool, weightDecay: f32,
): void {
  const rate = f32x4.splat(learningRate);
  const mu = f32x4.splat(momentum);
  const decay = f32x4.splat(weightDecay);
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    const w = loadPartial(value + at, count - i);
    const g = madd(decay, w, loadPartial(grad + at, count - i));
    const step = f32x4.mul(rate, g);
    const v = f32x4.sub(f32x4.mul(mu, loadPartial(velocity + at, count - i)), step);
    storePartial(velocity + at, v, count - i);
    const change = nesterov ? f32x4.sub(f32x4.mul(mu, v), step) : v;
    storePartial(value + at, f32x4.add(w, change), count - i);
  }
}

/**
 * One Adam step with L2 weight decay in the gradient; correction1 = 1 − β1^step and
 * correction2 = 1 − β2^step are computed by the caller in float64:
 *   g = grad + weightDecay·value;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
 *   value −= learningRate·(m / correction1) / (√(v / correction2) + epsilon)
 */
export function adamStep(
  value: usize, grad: usize, m: usize, v: usize, count: i32, learningRate: f32,
  beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, epsilon: f32, weightDecay: f32,
  correction1: f32, correction2: f32,
): void {
  const rate = f32x4.splat(learningRate);
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const c1 = f32x4.splat(oneMinusBeta1);
  const c2 = f32x4.splat(oneMinusBeta2);
  const eps = f32x4.splat(epsilon);
  const decay = f32x4.splat(weightDecay);
  const k1 = f32x4.splat(correction1);
  const k2 = f32x4.splat(correction2);
  for (let i = 0; i < count; i += 4) {
    const at = <usize>i << 2;
    const left = count - i;
    const w = loadPartial(value + at, left);
    const g = madd(decay, w, loadPartial(grad + at, left));
    const mi = madd(b1, loadPartial(m + at, left), f32x4.mul(c1, g));
    const vi = madd(b2, loadPartial(v + at, left), f32x4.mul(c2, f32x4.mul(g, g)));
    storePartial(m + at, mi, left);
    storePartial(v + at, vi, left);
    const step = f32x4.div(f32x4.mul(rate, f32x4.div(mi, k1)), f32x4.add(f32x4.sqrt(f32x4.div(vi, k2)), eps));
    storePartial(value + at, f32x4.sub(w, step), left);
  }
}
