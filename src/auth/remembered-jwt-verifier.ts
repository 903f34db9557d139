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
 * refusal. Remembered per strategy (its options: issuer, audience, algorithms) and per key, so no
 * verification vouches for another app in the same process or for another key.
 *
 * An LruCache from src/cache/ rather than a named cache (`Caches.define`): it memoizes a pure
 * function of token, key and options, so no change can make an entry wrong and none invalidates it.
 */
export function rememberVerifications(): void {
  const strategy = Strategy as unknown as { JwtVerifier: Verifier & { remembers?: true } };
  if (strategy.JwtVerifier.remembers) return;
  const verify = strategy.JwtVerifier;
  const byOptions = new WeakMap<object, WeakMap<KeyObject, LruCache<string, TokenClaims>>>();
  const remembering: Verifier & { remembers?: true } = (token, key, options, done) => {
    let byKey = byOptions.get(options);
    if (!byKey) byOptions.set(options, (byKey = new WeakMap()));
    let verified = byKey.get(key);
    if (!verified) byKey.set(key, (verified = new LruCache(REMEMBERED_PER_KEY)));
    const now = Date.now();
    const known = verified.get(token, now);
    if (known && now < known.exp * 1000 && !(typeof known.nbf === 'number' && now < known.nbf * 1000)) return done(null, known);
    verify(token, key, options, (error, payload) => {
      if (!error && payload) verified.set(token, Object.freeze(payload));
      done(error, payload);
    });
  };
  remembering.remembers = true;
  strategy.JwtVerifier = remembering;
}
