// The optimizer steps, in place on float32, four parameters per step (see vector.as).
import { highToFloat64, loadPartial, lowToFloat64, madd, storePartial, toFloat32 } from './vector';

/**
 * Stochastic gradient descent with (optionally Nesterov) momentum, in float64 in the reference's
 * order of operations, so that the results agree with it to the last bit:
 *   g = grad + weightDecay·value;  velocity = momentum·velocity − learningRate·g
 *   value += velocity, or with Nesterov value += momentum·velocity − learningRate·g.
 * Two parameters per step: two float32s load straight into a float64 pair and store back from
 * one, with no shuffling of four-lane vectors in between.
 */
export function sgdStep(
  value: usize, grad: usize, velocity: usize, count: i32,
  learningRate: f64, momentum: f64, nesterov: bool, weightDecay: f64,
): void {
  const pairs = <usize>(count >> 1) << 3;
  // Nesterov or not, and weight decay or none (the usual case, where g is the gradient as it
  // is: adding 0·value changes no bits but −0, which a velocity's sum turns to +0 anyway), are
  // decided once, outside the loop.
  if (nesterov) {
    for (let at: usize = 0; at < pairs; at += 8) {
      sgdTwo(value + at, grad + at, velocity + at, learningRate, momentum, true, weightDecay);
    }
  } else if (weightDecay != 0) {
    for (let at: usize = 0; at < pairs; at += 8) {
      sgdTwo(value + at, grad + at, velocity + at, learningRate, momentum, false, weightDecay);
    }
  } else {
    for (let at: usize = 0; at < pairs; at += 8) {
      sgdTwoNoDecay(value + at, grad + at, velocity + at, learningRate, momentum);
    }
  }
  if (count & 1) sgdOne(value + pairs, grad + pairs, velocity + pairs, learningRate, momentum, nesterov, weightDecay);
}

@inline function sgdTwo(
  value: usize, grad: usize, velocity: usize, learningRate: f64, momentum: f64, nesterov: bool, weightDecay: f64,
): void {
  const rate = f64x2.splat(learningRate);
  const mu = f64x2.splat(momentum);
  const w = f64x2.promote_low_f32x4(v128.load64_zero(value));
  const g = f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(grad)), f64x2.mul(f64x2.splat(weightDecay), w));
  const v = f64x2.sub(f64x2.mul(mu, f64x2.promote_low_f32x4(v128.load64_zero(velocity))), f64x2.mul(rate, g));
  v128.store64_lane(velocity, f32x4.demote_f64x2_zero(v), 0);
  const change = nesterov ? f64x2.sub(f64x2.mul(mu, v), f64x2.mul(rate, g)) : v;
  v128.store64_lane(value, f32x4.demote_f64x2_zero(f64x2.add(w, change)), 0);
}

/** As sgdTwo without Nesterov and without weight decay. */
@inline function sgdTwoNoDecay(value: usize, grad: usize, velocity: usize, learningRate: f64, momentum: f64): void {
  const w = f64x2.promote_low_f32x4(v128.load64_zero(value));
  const g = f64x2.promote_low_f32x4(v128.load64_zero(grad));
  const v = f64x2.sub(
    f64x2.mul(f64x2.splat(momentum), f64x2.promote_low_f32x4(v128.load64_zero(velocity))),
    f64x2.mul(f64x2.splat(learningRate), g),
  );
  v128.store64_lane(velocity, f32x4.demote_f64x2_zero(v), 0);
  v128.store64_lane(value, f32x4.demote_f64x2_zero(f64x2.add(w, v)), 0);
}

/** The last parameter of an odd count, the same way in scalar float64. */
function sgdOne(
  value: usize, grad: usize, velocity: usize, learningRate: f64, momentum: f64, nesterov: bool, weightDecay: f64,
): void {
  const w = <f64>load<f32>(value);
  const g = <f64>load<f32>(grad) + weightDecay * w;
  const v = momentum * <f64>load<f32>(velocity) - learningRate * g;
  store<f32>(velocity, <f32>v);
  store<f32>(value, <f32>(w + (nesterov ? momentum * v - learningRate * g : v)));
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
 * rootScale = 1 / √correction2: one division and one square root per parameter.
 */
export function adamStep(
  value: usize, grad: usize, m: usize, v: usize, count: i32, learningRate: f64,
  beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, correction1: f64, correction2: f64,
): void {
  const rate = <f32>(learningRate / correction1);
  const rootScale = <f32>(1 / Math.sqrt(correction2));
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    if (!adamFour(value, grad, m, v, <usize>i << 2, 4, rate, rootScale, <f32>beta1, <f32>beta2, <f32>epsilon, <f32>weightDecay)) {
      adamFloat64(value, grad, m, v, <usize>i << 2, 4, learningRate, beta1, beta2, epsilon, weightDecay, correction1, correction2);
    }
  }
  const left = count - i;
  if (left > 0 && !adamFour(value, grad, m, v, <usize>i << 2, left, rate, rootScale, <f32>beta1, <f32>beta2, <f32>epsilon, <f32>weightDecay)) {
    adamFloat64(value, grad, m, v, <usize>i << 2, left, learningRate, beta1, beta2, epsilon, weightDecay, correction1, correction2);
  }
}

/** Four parameters in float32; false (and nothing written) when a gradient is too large for it. */
@inline function adamFour(
  value: usize, grad: usize, m: usize, v: usize, at: usize, lanes: i32,
  rate: f32, rootScale: f32, beta1: f32, beta2: f32, epsilon: f32, weightDecay: f32,
): bool {
  const w = loadPartial(value + at, lanes);
  const g = madd(f32x4.splat(weightDecay), w, loadPartial(grad + at, lanes));
  if (v128.any_true(f32x4.gt(f32x4.abs(g), f32x4.splat(HUGE_GRADIENT)))) return false;
  const mi = madd(f32x4.splat(beta1), loadPartial(m + at, lanes), f32x4.mul(f32x4.splat(1 - beta1), g));
  const vi = madd(f32x4.splat(beta2), loadPartial(v + at, lanes), f32x4.mul(f32x4.splat(1 - beta2), f32x4.mul(g, g)));
  storePartial(m + at, mi, lanes);
  storePartial(v + at, vi, lanes);
  const step = f32x4.div(f32x4.mul(f32x4.splat(rate), mi), madd(f32x4.sqrt(vi), f32x4.splat(rootScale), f32x4.splat(epsilon)));
  storePartial(value + at, f32x4.sub(w, step), lanes);
  return true;
}

/** The reference's Adam step, in float64, for `count` parameters from byte offset `at`. */
function adamFloat64(
  value: usize, grad: usize, m: usize, v: usize, at: usize, count: i32, learningRate: f64,
  beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, correction1: f64, correction2: f64,
): void {
  for (let i = 0; i < count; i++) {
    const o = at + (<usize>i << 2);
    const w = <f64>load<f32>(value + o);
    const g = <f64>load<f32>(grad + o) + weightDecay * w;
    const mi = beta1 * <f64>load<f32>(m + o) + (1 - beta1) * g;
    const vi = beta2 * <f64>load<f32>(v + o) + (1 - beta2) * g * g;
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(value + o, <f32>(w - (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon)));
  }
}
