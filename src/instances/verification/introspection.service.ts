import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { Principal } from '../../common/principal';
import { ProjectAccessService } from '../../projects/project-access.service';
import { IntrospectionResponse } from './introspection.dto';
import { TokenVerifier } from './token-verifier.service';

const INACTIVE: IntrospectionResponse = { active: false };

@Injectable()
export class IntrospectionService {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly access: ProjectAccessService,
  ) {}

  /** RFC 7662: a caller learns about a token only if it may read the token's project. */
  async introspect(caller: Principal, content: string): Promise<IntrospectionResponse> {
    const token = await this.verifier.lookup(content);
    if (!token) return INACTIVE;
    try {
      await this.access.require(caller, token.projectId, 'reader');
    } catch (error) {
      if (error instanceof AppError) return INACTIVE;
      throw error;
    }
    // The hash matched a token this service issued, so its payload needs no second verification.
    const claims = JSON.parse(Buffer.from(content.split('.')[1], 'base64url').toString('utf8'));
    return {
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
  }
}
