import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { Strategy } from 'passport-jwt';
import { rememberVerifications } from './remembered-jwt-verifier';

type Verifier = (token: string, key: unknown, options: object, done: (error: Error | null, payload?: object) => void) => void;

describe('rememberVerifications', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey = createPublicKey(privateKey);
  const token = sign({ sub: 'u' }, privateKey, { algorithm: 'ES256', issuer: 'tessera', audience: 'tessera', expiresIn: '1h' });
  rememberVerifications();
  const verify = (options: object) =>
    new Promise<{ error: Error | null; payload?: object }>((resolve) =>
      (Strategy as unknown as { JwtVerifier: Verifier }).JwtVerifier(token, publicKey, options, (error, payload) => resolve({ error, payload })),
    );

  it('remembers a verification for the options it was made with only', async () => {
    const ours = { algorithms: ['ES256'], issuer: 'tessera', audience: 'tessera' };
    expect((await verify(ours)).payload).toMatchObject({ sub: 'u' });
    expect((await verify(ours)).payload).toMatchObject({ sub: 'u' });
    // Another strategy (another app in this process) with the same key but another issuer.
    const theirs = { algorithms: ['ES256'], issuer: 'elsewhere', audience: 'tessera' };
    expect((await verify(theirs)).error?.message).toMatch(/jwt issuer invalid/);
    expect((await verify(ours)).payload).toMatchObject({ sub: 'u' });
  });

  it('is installed once, however many strategies are made', () => {
    const installed = (Strategy as unknown as { JwtVerifier: Verifier }).JwtVerifier;
    rememberVerifications();
    expect((Strategy as unknown as { JwtVerifier: Verifier }).JwtVerifier).toBe(installed);
  });
});
