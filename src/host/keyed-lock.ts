// In-process serialisation by key (e.g. "apt:/" or "accounts:/srv/img"): operations on the same
// package database or account files run one at a time, so each one's before/after measurement of
// `changed` sees only its own effect. Not a cross-process lock: dpkg and the shadow tools keep theirs.

const tails = new Map<string, Promise<void>>();

export async function withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  tails.set(key, tail);
  try {
    await previous;
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
