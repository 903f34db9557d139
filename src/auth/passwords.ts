import { Algorithm, hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';

// OWASP password storage cheat sheet: argon2id, m=19 MiB, t=2, p=1. @node-rs/argon2 hashes on the
// libuv thread pool, off the event loop.
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * Off the event loop is not enough: the pool's four threads on a two-core machine leave the event
 * loop a fraction of a core, and a login flood starves verification. At most half the cores hash
 * at once; further logins wait their turn. This also bounds argon2's memory (19 MiB per hash).
 */
class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const argon2Slots = new Semaphore(Math.max(1, Math.floor(availableParallelism() / 2)));

export const hashPassword = (password: string) => argon2Slots.run(() => hash(password, OPTIONS));

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await argon2Slots.run(() => verify(passwordHash, password));
  } catch {
    return false;
  }
}
