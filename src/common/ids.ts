import { hash, randomUUID, timingSafeEqual } from 'node:crypto';

export const newId = () => randomUUID();

/** How every secret Tessera issues is stored: the hex SHA-256 of the exact string handed out. */
// One-shot hash: half the cost of a Hash object, and this runs on every forward-auth cache lookup.
export const hashSecret = (secret: string) => hash('sha256', secret, 'hex');

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
