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

type PathParams = Partial<Record<'projectId' | 'regionId' | 'instanceId', string>>;

/**
 * Validates the path parameters an instance route starts with: the project and instance ids as
 * every UUID path parameter (parsePathId), the region against the configured regions
 * (`TESSERA_REGIONS`), in the order they appear in the path.
 */
@Injectable()
export class InstanceScopePipe implements PipeTransform<PathParams, RegionPath | InstancePath> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  transform(params: PathParams): RegionPath | InstancePath {
    const projectId = parsePathId('projectId', params.projectId);
    const region = this.region(params.regionId ?? '');
    return params.instanceId === undefined ? { projectId, region } : { projectId, region, instanceId: parsePathId('instanceId', params.instanceId) };
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
 * The project, region and (below `/instances/{instanceId}`) instance a request's path names,
 * validated: a RegionPath on the instance collection, an InstancePath on one instance and its
 * tokens. The OpenAPI parameters come from ApiUuidParams and ApiRegionParam on the controller.
 */
export const InstanceScope = () => pathParams(InstanceScopePipe);
