import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { Principal } from '../../common/principal';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { TokenSigner } from '../../keys/token-signer.service';
import { ModelDirectory } from '../verification/model-directory';
import { modelAudience } from '../verification/model-token-verifier.service';

@Injectable()
export class ModelAuthService {
  constructor(
    private readonly directory: ModelDirectory,
    private readonly signer: TokenSigner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A model API session token: a JWT for one model (audience `model:<id>`), for users with access
   * to the model's prefix. Not stored: it lasts until it expires, or until the user, the model or
   * the user's grant goes away.
   */
  async issueSessionToken(caller: Principal, modelId: number | undefined): Promise<{ token: string }> {
    if (modelId === undefined) throw AppError.badRequest('model_id: this field is required (JSON body, form body or query string)');
    const model = await this.directory.model(modelId);
    if (!model) throw AppError.notFound(`model ${modelId} not found`);
    if (caller.kind !== 'user' || (await this.directory.userAccess(caller.id, model.prefixId)) !== 'allowed') {
      throw AppError.forbidden(`you hold no grant on model prefix ${model.prefix}`);
    }
    const { token } = this.signer.issue({
      type: 'model-session',
      subject: caller.id,
      audience: modelAudience(model.id),
      expiresAt: new Date(Date.now() + this.config.auth.modelSessionTtlMs),
      claims: { model_id: model.id, prefix: model.prefix, prefix_key: model.prefixKey, user_id: caller.id, email: caller.email },
    });
    return { token };
  }
}
