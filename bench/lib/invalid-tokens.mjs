// Tokens the verify route must refuse: malformed strings (rejected before any crypto) and
// well-formed JWTs that Tessera never signed (rejected by the signature, before any database work).
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';

const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(header, payload, privateKey) {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = privateKey ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url') : '';
  return `${input}.${signature}`;
}

/** `kid` is Tessera's real signing key id, so forged tokens reach the signature check. */
export function invalidTokens({ kid, issuer = 'tessera', audience }) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { token_type: 'instance', sub: audience, aud: audience, iss: issuer, jti: randomUUID(), iat: now, exp: now + 3600 };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    malformed: ['not-a-token', 'abc.def', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln', randomBytes(300).toString('base64url')],
    forged: [
      jwt({ alg: 'ES256', typ: 'JWT', kid }, payload, privateKey),
      jwt({ alg: 'ES256', typ: 'JWT', kid: 'unknown-key' }, payload, privateKey),
      jwt({ alg: 'none', typ: 'JWT', kid }, payload),
    ],
  };
}
