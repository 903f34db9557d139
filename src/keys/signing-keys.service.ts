import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JwkDto, JwksDto } from './dto/jwks.dto';

export const JWT_ALGORITHM = 'ES256';

export interface VerificationKey {
  kid: string;
  /** Parsed once: parsing a PEM on every verification would cost more than the check itself. */
  publicKey: KeyObject;
  jwk: JwkDto;
}

/**
 * The asymmetric keys behind every JWT Tessera issues. One key signs; every configured key
 * verifies and is published at /.well-known/jwks.json, so the signing key can rotate while
 * tokens signed by the previous one stay valid. Without configuration a P-256 key is generated
 * once and kept in the data directory.
 */
@Injectable()
export class SigningKeysService {
  readonly signingKid: string;
  readonly signingKey: KeyObject;
  private readonly verificationKeys = new Map<string, VerificationKey>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const signingKey = createPrivateKey(readFileSync(config.auth.signingKeyFile ?? generatedKeyFile(config.dataDir)));
    assertEs256(signingKey, 'TESSERA_SIGNING_KEY_FILE');
    this.signingKey = signingKey;
    this.signingKid = this.addVerificationKey(createPublicKey(signingKey)).kid;
    for (const file of config.auth.verifyKeyFiles) {
      const pem = readFileSync(file);
      const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
      assertEs256(key, `TESSERA_VERIFY_KEY_FILES (${file})`);
      this.addVerificationKey(key);
    }
  }

  keyFor(kid: string | undefined): KeyObject | undefined {
    return kid ? this.verificationKeys.get(kid)?.publicKey : undefined;
  }

  jwks(): JwksDto {
    return { keys: [...this.verificationKeys.values()].map((key) => key.jwk) };
  }

  private addVerificationKey(publicKey: KeyObject): VerificationKey {
    // An EC public key's JWK always has these members.
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' }) as Required<Pick<JsonWebKey, 'kty' | 'crv' | 'x' | 'y'>>;
    // RFC 7638 thumbprint: stable across restarts and replicas sharing the key.
    const kid = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
    const key = { kid, publicKey, jwk: { kty, crv, x, y, kid, alg: JWT_ALGORITHM, use: 'sig' } };
    this.verificationKeys.set(kid, key);
    return key;
  }
}

function generatedKeyFile(dataDir: string): string {
  const file = join(dataDir, 'keys', 'signing-key.pem');
  if (!existsSync(file)) {
    mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // 'wx' never overwrites a key another process wrote first.
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      new Logger('SigningKeys').log(`generated a signing key at ${file}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return file;
}

function assertEs256(key: KeyObject, source: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${source}: expected an EC P-256 key (ES256)`);
  }
}
