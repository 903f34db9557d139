import type { KeyObject } from 'node:crypto';
import { Strategy } from 'passport-jwt';
import { LruCache } from '../cache/lru-cache';
import type { TokenClaims } from '../keys/token-signer.service';

type Done = (error: Error | null, payload?: TokenClaims) => void;
type Verifier = (token: string, key: KeyObject, options: object, done: Done) => void;

const REMEMBERED_PER_KEY = 10_000;

/**
 * passport-jwt's extension point for the verification itself (`JwtStrategy.JwtVerifier`), made
 * to remember tokens it has verified: console clients send the same access token with every
 * request, and an ES256 verification is most of what checking one costs. A remembered token is
 * accepted again only while `exp` and `nbf` allow; otherwise jsonwebtoken runs and explains the
 * refusal. Remembered per key, so no verification done with one key vouches for another.
 */
export function rememberVerifications(): void {
  const strategy = Strategy as unknown as { JwtVerifier: Verifier & { remembers?: true } };
  if (strategy.JwtVerifier.remembers) return;
  const verify = strategy.JwtVerifier;
  const byKey = new WeakMap<KeyObject, LruCache<string, TokenClaims>>();
  const remembering: Verifier & { remembers?: true } = (token, key, options, done) => {
    let verified = byKey.get(key);
    if (!verified) byKey.set(key, (verified = new LruCache(REMEMBERED_PER_KEY)));
    const known = verified.get(token);
    const now = Date.now() / 1000;
    if (known && now < known.exp && !(typeof known.nbf === 'number' && now < known.nbf)) return done(null, known);
    verify(token, key, options, (error, payload) => {
      if (!error && payload) verified.set(token, Object.freeze(payload));
      done(error, payload);
    });
  };
  remembering.remembers = true;
  strategy.JwtVerifier = remembering;
}
