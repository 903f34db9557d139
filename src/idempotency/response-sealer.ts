import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SigningKeysService } from '../keys/signing-keys.service';

/**
 * AES-256-GCM for stored responses (they can hold a token's secret). The key is derived with HKDF
 * from the JWT signing key, which every replica that signs tokens already shares, so any replica
 * can replay a response another one stored; rotating the signing key makes older records
 * unreadable, which only matters for keys retried across the rotation.
 */
@Injectable()
export class ResponseSealer {
  private readonly key: Buffer;

  constructor(keys: SigningKeysService) {
    const material = keys.signingKey.export({ type: 'pkcs8', format: 'der' });
    this.key = Buffer.from(hkdfSync('sha256', material, 'tessera', 'idempotency-response-v1', 32));
  }

  /** `context` (scope and key) is authenticated, so a sealed body cannot be moved to another record. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The plaintext, or undefined when the record was sealed with another key or altered. */
  open(sealed: string, context: string): string | undefined {
    const [version, iv, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !body) return undefined;
    try {
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
