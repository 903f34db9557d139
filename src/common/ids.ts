import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';

export const newId = () => randomUUID();

/** How every secret Tessera issues is stored: the hex SHA-256 of the exact string handed out. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
