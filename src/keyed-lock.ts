/**
 * Serialises work per key inside one process. Redeems of the same license key queue up
 * here so a burst of them costs one password hash, not a hundred (the database's
 * conditional UPDATE still decides the winner across processes); Telegram sends of one
 * worker go one at a time, so a crash can cost at most one duplicate message.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier call with the same key has settled. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
