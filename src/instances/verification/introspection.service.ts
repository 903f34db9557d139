import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AppError } from '../../common/app-error';
import { Principal } from '../../common/principal';
import type { TokenClaims } from '../../keys/token-signer.service';
import { Metrics, VerificationMeter, VerificationResult } from '../../metrics/metrics.service';
import { ProjectAccessService } from '../../projects/project-access.service';
import { IntrospectionResponse } from './introspection.dto';
import { TokenVerifier } from './token-verifier.service';

const INACTIVE: IntrospectionResponse = { active: false };

@Injectable()
export class IntrospectionService {
  private readonly verifications: VerificationMeter;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly access: ProjectAccessService,
    metrics: Metrics,
  ) {
    this.verifications = metrics.verifications('introspection');
  }

  /** RFC 7662: a caller learns about a token only if it may read the token's project. */
  async introspect(caller: Principal, content: string): Promise<IntrospectionResponse> {
    const started = performance.now();
    const { result, response } = await this.answer(caller, content);
    this.verifications.observe(result, (performance.now() - started) / 1000);
    return response;
  }

  private async answer(caller: Principal, content: string): Promise<{ result: VerificationResult; response: IntrospectionResponse }> {
    const token = await this.verifier.lookup(content);
    if (typeof token === 'string') return { result: token, response: INACTIVE };
    try {
      await this.access.require(caller, token.projectId, 'reader');
    } catch (error) {
      // The caller is told what an unknown token tells, and so is the metric.
      if (error instanceof AppError) return { result: 'unknown', response: INACTIVE };
      throw error;
    }
    // The hash matched a token this service issued, so its payload needs no second verification.
    const claims = JSON.parse(Buffer.from(content.split('.')[1], 'base64url').toString('utf8')) as TokenClaims;
    const response: IntrospectionResponse = {
      active: true,
      token_type: 'Bearer',
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: token.tokenId,
      instance_id: token.instanceId,
      project_id: token.projectId,
    };
    return { result: 'valid', response };
  }
}
