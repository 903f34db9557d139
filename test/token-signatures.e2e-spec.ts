import { createHmac, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editedPart, signJwt, thumbprint, TokenMint, withPart } from './support/jwt';
import { jwtPayload, TestApp } from './support/test-app';

const sleepUntil = (epochMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));
const newEcKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The signature bytes of a token, changed by `edit` and encoded again. */
function editedSignature(token: string, edit: (signature: Buffer) => Buffer): string {
  return withPart(token, 2, edit(Buffer.from(token.split('.')[2], 'base64url')).toString('base64url'));
}

/**
 * Which bearer JWTs Tessera accepts, over HTTP: the global guard (console and /v1 routes) and
 * `POST /console/api/auth/verify` both rest on TokenSigner, which checks ES256 itself and
 * remembers the tokens it verified and refused. Every refusal below changes one thing of a token
 * the first test shows to be accepted.
 */
describe('bearer JWT signatures and claims', () => {
  let app: TestApp;
  let mint: TokenMint;
  let adminId: string;
  let admin: { access: string };
  let bob: { id: string; access: string };

  const me = (token: string) => app.request('GET', '/console/api/users/me', { token });
  const projects = (token: string) => app.request('GET', '/v1/projects', { token });
  const checked = (token: string) => app.request('POST', '/console/api/auth/verify', { json: { token } });
  /** The status of a token on a console route, a /v1 route and the verify endpoint. */
  const statuses = async (token: string) => [(await me(token)).status, (await projects(token)).status, (await checked(token)).status];
  const ACCEPTED = [200, 200, 200];
  const REFUSED = [401, 401, 401];

  /** Every labelled token is refused everywhere; the label makes a failure name its case. */
  async function expectRefused(cases: Record<string, string>): Promise<void> {
    for (const [label, token] of Object.entries(cases)) expect({ label, statuses: await statuses(token) }).toEqual({ label, statuses: REFUSED });
  }

  beforeAll(async () => {
    app = await TestApp.start();
    mint = TokenMint.of(app);
    admin = await app.login();
    adminId = jwtPayload(admin.access).sub;
    bob = await app.createUser('bob@tessera.test');
  });
  afterAll(() => app.close());

  it('accepts a token minted with the published key as Tessera mints them (the control for every refusal here)', async () => {
    const jwks = await app.request('GET', '/.well-known/jwks.json');
    expect(jwks.body.keys.map((key: { kid: string }) => key.kid)).toEqual([mint.kid]);
    const token = mint.token(adminId);
    expect(await statuses(token)).toEqual(ACCEPTED);
    expect((await me(token)).body.email).toBe('admin@tessera.test');
    expect((await me(mint.token(bob.id))).body.email).toBe('bob@tessera.test');
  });

  it('accepts a verified token until its exp and refuses it from then on, although it was remembered', async () => {
    const exp = Math.ceil(Date.now() / 1000) + 2;
    const token = mint.token(adminId, { exp });
    expect(await statuses(token)).toEqual(ACCEPTED);
    expect(await statuses(token)).toEqual(ACCEPTED);
    await sleepUntil(exp * 1000 + 50);
    expect(await statuses(token)).toEqual(REFUSED);
    const consoleRoute = await me(token);
    expect(consoleRoute.body).toEqual({ detail: expect.any(String), code: 'token_not_valid' });
    expect((await projects(token)).body).toEqual({ code: 401, message: expect.any(String), status: 'Unauthorized' });
  });

  it('refuses a token expired, without exp, or with an exp that is not a number', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused({
      'expired a second ago': mint.token(adminId, { exp: now - 1 }),
      'expiring now': mint.token(adminId, { exp: now }),
      'no exp': mint.token(adminId, { exp: undefined }),
      'exp as text': mint.token(adminId, { exp: String(now + 600) }),
      'exp null': mint.token(adminId, { exp: null }),
    });
  });

  it('refuses a token before its nbf and accepts the same token once nbf has passed', async () => {
    const nbf = Math.ceil(Date.now() / 1000) + 2;
    const early = mint.token(adminId, { nbf });
    expect(await statuses(early)).toEqual(REFUSED);
    await sleepUntil(nbf * 1000 + 50);
    // A refusal for time is not remembered as a refusal of the token.
    expect(await statuses(early)).toEqual(ACCEPTED);
    expect(await statuses(mint.token(adminId, { nbf: nbf - 60 }))).toEqual(ACCEPTED);
    // jsonwebtoken (the verifier before TokenSigner checked ES256 itself) refused an nbf that is not a NumericDate.
    await expectRefused({ 'nbf as text': mint.token(adminId, { nbf: String(nbf + 3600) }), 'nbf as object': mint.token(adminId, { nbf: { after: 0 } }) });
  });

  it('refuses a wrong or missing issuer, audience or token type', async () => {
    await expectRefused({
      'iss evil': mint.token(adminId, { iss: 'https://evil.example' }),
      'iss in upper case': mint.token(adminId, { iss: 'Tessera' }),
      'no iss': mint.token(adminId, { iss: undefined }),
      'iss as list': mint.token(adminId, { iss: ['tessera'] }),
      'aud of an instance': mint.token(adminId, { aud: 'instance:00000000-0000-0000-0000-000000000000' }),
      'aud of a model': mint.token(adminId, { aud: 'model:1' }),
      'aud list without tessera': mint.token(adminId, { aud: ['other', 'tessera '] }),
      'no aud': mint.token(adminId, { aud: undefined }),
      'type refresh': mint.token(adminId, { token_type: 'refresh' }),
      'type instance': mint.token(adminId, { token_type: 'instance' }),
      'type model-session': mint.token(adminId, { token_type: 'model-session' }),
      'type model-external': mint.token(adminId, { token_type: 'model-external' }),
      'type in upper case': mint.token(adminId, { token_type: 'ACCESS' }),
      'type as list': mint.token(adminId, { token_type: ['access'] }),
      'no type': mint.token(adminId, { token_type: undefined }),
    });
  });

  it('refuses a token with any part tampered with, and still accepts the original afterwards', async () => {
    const other = mint.token(adminId);
    for (const [source, original] of [
      ['issued by login', admin.access],
      ['minted', mint.token(adminId)],
    ]) {
      const [header, payload] = original.split('.');
      await expectRefused({
        [`${source}: sub of another user`]: withPart(original, 1, editedPart(original, 1, { sub: bob.id })),
        [`${source}: exp a day later`]: withPart(original, 1, editedPart(original, 1, { exp: jwtPayload(original).exp + 86_400 })),
        [`${source}: payload re-encoded with a space`]: withPart(original, 1, b64url(`${Buffer.from(payload, 'base64url').toString()} `)),
        [`${source}: header with another field`]: withPart(original, 0, editedPart(original, 0, { x: 1 })),
        [`${source}: header without typ`]: withPart(original, 0, editedPart(original, 0, { typ: undefined })),
        [`${source}: a bit of the signature's r flipped`]: editedSignature(original, (s) => Buffer.from(s.map((byte, i) => (i === 10 ? byte ^ 1 : byte)))),
        [`${source}: the last byte of s flipped`]: editedSignature(original, (s) => Buffer.from(s.map((byte, i) => (i === 63 ? byte ^ 0x80 : byte)))),
        [`${source}: r and s swapped`]: editedSignature(original, (s) => Buffer.concat([s.subarray(32), s.subarray(0, 32)])),
        [`${source}: 63 signature bytes`]: editedSignature(original, (s) => s.subarray(0, 63)),
        [`${source}: 65 signature bytes`]: editedSignature(original, (s) => Buffer.concat([s, Buffer.from([0])])),
        [`${source}: zero signature`]: editedSignature(original, () => Buffer.alloc(64)),
        [`${source}: another token's signature`]: withPart(original, 2, other.split('.')[2]),
        [`${source}: no signature`]: `${header}.${payload}.`,
        [`${source}: two parts`]: `${header}.${payload}`,
        [`${source}: a fourth part`]: `${original}.${original.split('.')[2]}`,
        [`${source}: base64 padding`]: `${original}=`,
      });
      expect(await statuses(original)).toEqual(ACCEPTED);
    }
  });

  it('answers the same forged token with 401 every time, before and after the genuine token is accepted', async () => {
    const genuine = mint.token(adminId);
    const forged = withPart(genuine, 1, editedPart(genuine, 1, { sub: bob.id }));
    expect(await statuses(forged)).toEqual(REFUSED);
    expect(await statuses(forged)).toEqual(REFUSED);
    // The refusal of a forgery is not a refusal of the token it was made from.
    expect(await statuses(genuine)).toEqual(ACCEPTED);
    expect((await me(genuine)).body.email).toBe('admin@tessera.test');
    expect(await statuses(forged)).toEqual(REFUSED);
    // Nor does a remembered genuine token vouch for its header and payload under another signature.
    expect(await statuses(editedSignature(genuine, (s) => Buffer.from(s.map((byte, i) => (i === 20 ? byte ^ 4 : byte)))))).toEqual(REFUSED);
    expect(await statuses(genuine)).toEqual(ACCEPTED);
  });

  it('refuses algorithm confusion: none, HMAC keyed with the public key, and other algorithm names', async () => {
    const claims = mint.claims(adminId);
    const publicPem = createPublicKey(mint.key).export({ type: 'spki', format: 'pem' }).toString();
    const publicJwk = JSON.stringify((await app.request('GET', '/.well-known/jwks.json')).body.keys[0]);
    const hmac = (secret: string, alg = 'HS256') => {
      const signed = `${b64url(mint.header({ alg }))}.${b64url(claims)}`;
      return `${signed}.${createHmac(alg === 'HS512' ? 'sha512' : 'sha256', secret)
        .update(signed)
        .digest('base64url')}`;
    };
    // A genuine ES256 signature over a header that names another algorithm.
    const relabelled = (alg: unknown) => signJwt(mint.header({ alg }), claims, mint.key);
    await expectRefused({
      'alg none, no signature': `${b64url(mint.header({ alg: 'none' }))}.${b64url(claims)}.`,
      'alg none with a signature': relabelled('none'),
      'HS256 keyed with the PEM public key': hmac(publicPem),
      'HS256 keyed with the published JWK': hmac(publicJwk),
      'HS256 keyed with the kid': hmac(mint.kid),
      'HS512 keyed with the PEM public key': hmac(publicPem, 'HS512'),
      'alg es256': relabelled('es256'),
      'alg ES384': relabelled('ES384'),
      'alg ES512': relabelled('ES512'),
      'alg RS256': relabelled('RS256'),
      'alg PS256': relabelled('PS256'),
      'alg EdDSA': relabelled('EdDSA'),
      'alg as list': relabelled(['ES256']),
      'no alg': relabelled(undefined),
    });
  });

  it('refuses a signature in DER form, though the same token signed as r‖s is accepted', async () => {
    for (const order of ['p1363 first', 'der first']) {
      const header = mint.header();
      const claims = mint.claims(adminId);
      const raw = signJwt(header, claims, mint.key);
      const der = signJwt(header, claims, mint.key, 'der');
      expect(Buffer.from(der.split('.')[2], 'base64url')[0]).toBe(0x30); // an ASN.1 SEQUENCE
      if (order === 'p1363 first') expect(await statuses(raw)).toEqual(ACCEPTED);
      expect({ order, statuses: await statuses(der) }).toEqual({ order, statuses: REFUSED });
      expect({ order, statuses: await statuses(der) }).toEqual({ order, statuses: REFUSED });
      expect(await statuses(raw)).toEqual(ACCEPTED);
    }
  });

  it('refuses a token signed by another key, whether it claims our kid, names its own or embeds it', async () => {
    const attacker = newEcKey();
    const attackerJwk = { ...createPublicKey(attacker).export({ format: 'jwk' }), kid: mint.kid, alg: 'ES256', use: 'sig' };
    await expectRefused({
      'our kid': mint.token(adminId, {}, { key: attacker }),
      'its own kid': mint.token(adminId, {}, { key: attacker, header: { kid: thumbprint(attacker) } }),
      'our kid and its key as jwk': mint.token(adminId, {}, { key: attacker, header: { jwk: attackerJwk } }),
      'its key as jwk, no kid': mint.token(adminId, {}, { key: attacker, header: { kid: undefined, jwk: attackerJwk } }),
      'our kid and a jku': mint.token(adminId, {}, { key: attacker, header: { jku: 'http://127.0.0.1:1/jwks.json' } }),
      'our kid, a P-384 key': mint.token(adminId, {}, { key: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey }),
    });
    // Signed by our key, but the kid does not name it: refused too.
    await expectRefused({
      'no kid': mint.token(adminId, {}, { header: { kid: undefined } }),
      'unknown kid': mint.token(adminId, {}, { header: { kid: thumbprint(attacker) } }),
      'kid with a prefix': mint.token(adminId, {}, { header: { kid: `x${mint.kid}` } }),
      'kid as number': mint.token(adminId, {}, { header: { kid: 1 } }),
      'kid as list': mint.token(adminId, {}, { header: { kid: [mint.kid] } }),
    });
  });
});

describe('bearer JWTs with a previous key kept for verification and a configured issuer', () => {
  const ISSUER = 'https://auth.tessera.test';
  let app: TestApp;
  let keyDir: string;
  let current: TokenMint;
  let previous: TokenMint;
  let adminId: string;

  const me = async (token: string) => (await app.request('GET', '/console/api/users/me', { token })).status;

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
    const previousKey = newEcKey();
    writeFileSync(join(keyDir, 'previous.pem'), createPublicKey(previousKey).export({ type: 'spki', format: 'pem' }));
    app = await TestApp.start({ TESSERA_VERIFY_KEY_FILES: join(keyDir, 'previous.pem'), TESSERA_ISSUER: ISSUER });
    current = TokenMint.of(app);
    previous = new TokenMint(previousKey, ISSUER);
    adminId = jwtPayload((await app.login()).access).sub;
  });
  afterAll(async () => {
    await app.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('accepts tokens of either key under its own kid, and neither key under the other one’s kid', async () => {
    const kids = (await app.request('GET', '/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid);
    expect(kids.sort()).toEqual([current.kid, previous.kid].sort());
    expect(await me(current.token(adminId))).toBe(200);
    expect(await me(previous.token(adminId))).toBe(200);
    expect(await me(previous.token(adminId, {}, { header: { kid: current.kid } }))).toBe(401);
    expect(await me(current.token(adminId, {}, { header: { kid: previous.kid } }))).toBe(401);
  });

  it('issues and accepts the configured issuer only', async () => {
    const login = await app.login();
    expect(jwtPayload(login.access).iss).toBe(ISSUER);
    expect(await me(login.access)).toBe(200);
    expect(await me(current.token(adminId, { iss: 'tessera' }))).toBe(401);
    expect(await me(previous.token(adminId, { iss: `${ISSUER}/` }))).toBe(401);
  });
});
