// Seeded randomness for the chaos suite: every run prints its seed, and CHAOS_SEED=N replays it.
// mulberry32: tiny, fast, good enough to pick kill delays and mutations (not for cryptography).

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    // mulberry32's first outputs follow its seed closely (seeds 93 apart gave 0.111 and 0.115):
    // mixing the seed first makes neighbouring seeds and forks independent.
    this.state = mix(seed >>> 0);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** A child generator: case N of a run is reproducible without replaying cases 0..N-1. */
  fork(salt: number): Rng {
    return new Rng(mix(this.seed ^ mix((salt + 0x9e3779b9) >>> 0)));
  }
}

/** murmur3's 32-bit finaliser: every input bit flips about half the output bits. */
function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
