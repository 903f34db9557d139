import { createHash, createPrivateKey, createPublicKey, KeyObject, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestApp } from './test-app';

/**
 * Hand-made JWTs for tests of the verifier: signed with any key, header, claims and signature
 * encoding, so each acceptance rule can be broken one at a time.
 */

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The key a TestApp signs with (generated at start in its data directory). */
export function signingKeyOf(app: TestApp): KeyObject {
  return createPrivateKey(readFileSync(join(app.config.dataDir, 'keys', 'signing-key.pem')));
}

/** The RFC 7638 thumbprint of an EC key, as Tessera names its keys in `kid`. */
export function thumbprint(key: KeyObject): string {
  const { crv, kty, x, y } = createPublicKey(key).export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}

/** `header.payload` signed with ES256; `der` gives the ASN.1 form JOSE forbids instead of r‖s. */
export function signJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject,
  dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363',
): string {
  const signed = `${encode(header)}.${encode(claims)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), { key, dsaEncoding }).toString('base64url')}`;
}

/** Replaces one part of a token (0 header, 1 payload, 2 signature), keeping the others. */
export function withPart(token: string, index: 0 | 1 | 2, part: string): string {
  const parts = token.split('.');
  parts[index] = part;
  return parts.join('.');
}

/** A part of a token re-encoded with some fields changed (undefined removes a field). */
export function editedPart(token: string, index: 0 | 1, changes: Record<string, unknown>): string {
  const value = JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
  return encode({ ...value, ...changes });
}

/**
 * Mints console-style tokens as Tessera would (`token_type`, `iss`, `aud`, `sub`, `jti`, `iat`,
 * `exp`), with any claim or header field overridden; `undefined` leaves a field out.
 */
export class TokenMint {
  readonly kid: string;

  constructor(
    readonly key: KeyObject,
    private readonly issuer = 'tessera',
  ) {
    this.kid = thumbprint(key);
  }

  static of(app: TestApp): TokenMint {
    return new TokenMint(signingKeyOf(app), app.config.auth.issuer);
  }

  claims(subject: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return dropUndefined({ token_type: 'access', iat: now, exp: now + 600, iss: this.issuer, aud: 'tessera', sub: subject, jti: randomUUID(), ...overrides });
  }

  header(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return dropUndefined({ alg: 'ES256', typ: 'JWT', kid: this.kid, ...overrides });
  }

  /** An access token for `subject`, signed with this mint's key. */
  token(
    subject: string,
    claims: Record<string, unknown> = {},
    options: { header?: Record<string, unknown>; key?: KeyObject; dsaEncoding?: 'ieee-p1363' | 'der' } = {},
  ): string {
    return signJwt(this.header(options.header), this.claims(subject, claims), options.key ?? this.key, options.dsaEncoding);
  }
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
