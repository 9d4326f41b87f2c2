/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman and Vigna), 32-bit state words.
 *
 * One seed makes a whole run repeat bit for bit: initial weights, shuffling and dropout all draw
 * from a Random. The state is four 32-bit words, so a checkpoint can save it and resume exactly.
 */
export class Random {
  private readonly state = new Uint32Array(4);

  constructor(seed: number = 1) {
    this.reseed(seed);
  }

  /** Restarts the sequence from `seed` (any finite number; its integer part is used). */
  reseed(seed: number): void {
    if (!Number.isFinite(seed)) throw new RangeError(`Random: seed must be a finite number, got ${seed}`);
    // SplitMix32 spreads one seed over four words, so nearby seeds give unrelated streams and the
    // all-zero state (where xoshiro would stay stuck at zero) cannot occur.
    let x = Math.trunc(seed) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.state[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A sample of N(mean, std²) by the Box–Muller transform. */
  gaussian(mean = 0, std = 1): number {
    // 1 - next() is in (0, 1], so the logarithm is finite.
    const u = 1 - this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher–Yates). */
  shuffle<T extends { length: number; [i: number]: number } | unknown[]>(items: T): T {
    const list = items as unknown as unknown[];
    for (let i = list.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const swap = list[i];
      list[i] = list[j];
      list[j] = swap;
    }
    return items;
  }

  /** The four state words, to save in a checkpoint. */
  getState(): number[] {
    return Array.from(this.state);
  }

  /** Restores state saved by getState(). */
  setState(words: readonly number[]): void {
    if (words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new RangeError('Random: state must be four 32-bit unsigned integers');
    }
    if (words.every((w) => w === 0)) throw new RangeError('Random: state must not be all zero');
    this.state.set(words);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
