import { Injectable } from '@nestjs/common';
import { constantTimeEqual, hashSecret } from '../../common/ids';
import { CONSOLE_AUDIENCE, issuedAtMs, TokenClaims, TokenSigner, TokenType } from '../../keys/token-signer.service';
import { ModelDirectory, ModelEntry } from './model-directory';

/** The audience of tokens for one model: session tokens and model-scoped external tokens. */
export const modelAudience = (modelId: number) => `model:${modelId}`;
/** The audience of external tokens valid for every model of a prefix (keys never change). */
export const prefixAudience = (prefixKey: string) => `model-prefix:${prefixKey}`;

export type ModelTokenType = Extract<TokenType, 'model-session' | 'model-external'>;

/** `invalid`: answer 401; `forbidden`: a valid console user without access to the model, 403. */
export type ModelAccess = { ok: true; type: TokenType; tokenId: string; subject: string } | { ok: false; reason: 'invalid' | 'forbidden' };

/**
 * Decides whether a token opens a model. Session tokens are not stored, so they stay valid only
 * while their user is active and keeps access to the model's prefix; external tokens are checked
 * against their stored hash, revocation and scope. Both checks go through ModelDirectory's caches.
 */
@Injectable()
export class ModelTokenVerifier {
  constructor(
    private readonly signer: TokenSigner,
    private readonly directory: ModelDirectory,
  ) {}

  /** Signature, issuer, expiry and type; the audience is checked against a model later. */
  claims(token: string, types: TokenType[]): TokenClaims | undefined {
    return this.signer.verify(token, types);
  }

  async check(token: string, claims: TokenClaims, model: ModelEntry): Promise<ModelAccess> {
    const granted = { ok: true as const, type: claims.token_type, tokenId: claims.jti, subject: claims.sub };
    switch (claims.token_type) {
      case 'access': {
        if (claims.aud !== CONSOLE_AUDIENCE) return invalid;
        const access = await this.directory.userAccess(claims.sub, model.prefixId, issuedAtMs(claims));
        return access === 'allowed' ? granted : { ok: false, reason: access === 'denied' ? 'forbidden' : 'invalid' };
      }
      case 'model-session':
        if (claims.aud !== modelAudience(model.id)) return invalid;
        return (await this.directory.userAccess(claims.sub, model.prefixId, issuedAtMs(claims))) === 'allowed' ? granted : invalid;
      case 'model-external': {
        if (claims.aud !== modelAudience(model.id) && claims.aud !== prefixAudience(model.prefixKey)) return invalid;
        const row = await this.directory.externalToken(claims.jti);
        if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now() || !constantTimeEqual(row.tokenHash, hashSecret(token))) return invalid;
        const inScope = row.modelId === null ? row.prefixId === model.prefixId : row.modelId === model.id;
        return inScope ? granted : invalid;
      }
      default:
        return invalid;
    }
  }
}

const invalid: ModelAccess = { ok: false, reason: 'invalid' };
