import { createParamDecorator, ExecutionContext, Inject, Injectable, PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error';
import { parsePathId } from '../common/parse-id.pipe';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** `/v1/projects/{projectId}/regions/{regionId}/instances`: where instances live. */
export interface RegionPath {
  projectId: string;
  region: string;
}

/** `.../instances/{instanceId}`: one instance, the scope of its tokens. */
export interface InstancePath extends RegionPath {
  instanceId: string;
}

/** `.../tokens/{tokenId}`: one token of an instance. */
export interface TokenPath extends InstancePath {
  tokenId: string;
}

type PathParams = Partial<Record<'projectId' | 'regionId' | 'instanceId' | 'tokenId', string>>;

/**
 * Validates the path parameters of an instance route: the project, instance and token ids as
 * every UUID path parameter (parsePathId), the region against the configured regions
 * (`TESSERA_REGIONS`), in the order they appear in the path.
 */
@Injectable()
export class InstanceScopePipe implements PipeTransform<PathParams, RegionPath | InstancePath | TokenPath> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  transform(params: PathParams): RegionPath | InstancePath | TokenPath {
    const projectId = parsePathId('projectId', params.projectId);
    const region = this.region(params.regionId ?? '');
    if (params.instanceId === undefined) return { projectId, region };
    const instanceId = parsePathId('instanceId', params.instanceId);
    return params.tokenId === undefined
      ? { projectId, region, instanceId }
      : { projectId, region, instanceId, tokenId: parsePathId('tokenId', params.tokenId) };
  }

  private region(value: string): string {
    const { regions } = this.config.instances;
    if (!regions.includes(value)) {
      throw AppError.badRequest(`regionId: unknown region "${value.slice(0, 64)}"; this service serves ${regions.join(', ')}`, 'invalid');
    }
    return value;
  }
}

const pathParams = createParamDecorator(
  (_: unknown, context: ExecutionContext): PathParams => context.switchToHttp().getRequest<FastifyRequest>().params as PathParams,
);

/**
 * The project, region, instance and token a request's path names, as far as it names them,
 * validated: a RegionPath on the instance collection, an InstancePath on one instance and its
 * token list, a TokenPath on one token. The OpenAPI parameters come from ApiUuidParams and
 * ApiRegionParam on the controller and StackitItemRoute on the handler.
 */
export const InstanceScope = () => pathParams(InstanceScopePipe);
