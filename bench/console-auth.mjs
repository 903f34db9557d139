// Micro-benchmark of the bearer-token check a console request pays (bench/README.md, "Console
// request cost"): before, TokenSigner's remembered verification (a Map hit after the first ES256
// check); passport-jwt verifying every request; passport-jwt with the remembering JwtVerifier,
// the key chosen by decoding the whole token (78dde90) or only its header (now).
// Usage: node bench/console-auth.mjs [iterations]
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jwt = require('jsonwebtoken');
const iterations = Number(process.argv[2] ?? 20000);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKey = createPublicKey(privateKey);
const token = jwt.sign({ token_type: 'access', sub: 'u' }, privateKey, {
  algorithm: 'ES256',
  keyid: 'k',
  issuer: 'tessera',
  audience: 'tessera',
  expiresIn: '30m',
});
const options = { algorithms: ['ES256'], issuer: 'tessera', audience: 'tessera' };

function measure(label, step) {
  for (let i = 0; i < 2000; i++) step(); // warm-up
  const started = performance.now();
  for (let i = 0; i < iterations; i++) step();
  const perCall = ((performance.now() - started) * 1000) / iterations;
  console.log(`${label}: ${perCall.toFixed(1)} µs per request`);
}

const remembered = new Map([[token, jwt.verify(token, publicKey, options)]]);
measure('before (remembered verification, Map hit)', () => remembered.get(token));
measure('passport-jwt, every request verified (decode for kid + jsonwebtoken ES256 verify)', () => {
  jwt.decode(token, { complete: true });
  jwt.verify(token, publicKey, options);
});
// What src/auth/remembered-jwt-verifier.ts does on a hit: decode for the kid, look up, check exp.
measure('78dde90 (passport-jwt with the remembering JwtVerifier: decode for kid + hit + exp check)', () => {
  jwt.decode(token, { complete: true });
  const claims = remembered.get(token);
  return Date.now() / 1000 < claims.exp;
});
// JwtStrategy's key choice now (headerOf in src/auth/jwt.strategy.ts): the header segment only.
measure('now (the same, the kid read from the header segment only)', () => {
  const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('latin1'));
  const claims = header.kid === 'k' && remembered.get(token);
  return Date.now() / 1000 < claims.exp;
});
