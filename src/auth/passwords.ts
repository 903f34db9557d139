import { Algorithm, hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';

// OWASP password storage cheat sheet: argon2id, m=19 MiB, t=2, p=1. @node-rs/argon2 hashes on the
// libuv thread pool, off the event loop.
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * Off the event loop is not enough: the pool's four threads on a two-core machine leave the event
 * loop a fraction of a core, and a login flood starves verification. At most half the cores hash
 * at once; further logins wait their turn, first come first served. This also bounds argon2's
 * memory (19 MiB per hash).
 */
const argon2Slots = pLimit(Math.max(1, Math.floor(availableParallelism() / 2)));

export const hashPassword = (password: string) => argon2Slots(() => hash(password, OPTIONS));

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await argon2Slots(() => verify(passwordHash, password));
  } catch {
    return false;
  }
}
