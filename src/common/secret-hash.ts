import { hash, timingSafeEqual } from 'node:crypto';

/** How every secret Tessera issues is stored: the hex SHA-256 of the exact string handed out. */
// One-shot hash rather than a Hash object: this runs on every forward-auth cache lookup.
export const hashSecret = (secret: string) => hash('sha256', secret, 'hex');

/** Compares two secrets (or their hashes) without leaking, through timing, where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
