import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../common/app-error';
import { Public } from '../../common/public.decorator';
import { routeMiss } from '../../common/route-miss';
import { RESERVED_FIRST_SEGMENTS } from '../model-paths';
import { ModelMetadataDto } from './dto/model-metadata.dto';
import { ModelUrlsService } from './model-urls.service';

/**
 * `GET <base>/<prefix>/<model>/[<version>/]?get_meta=true`, as Practicus clients call it to find a
 * model's id. A catch-all: Fastify tries its wildcard last, so every other route wins; paths under
 * Tessera's own first segments get Tessera's 404 (or 405) here. Documented by
 * src/openapi/gateway-operations.ts: the explorer cannot state a path of any depth.
 */
@ApiExcludeController()
@Public()
@Controller()
export class ModelUrlsController {
  constructor(private readonly urls: ModelUrlsService) {}

  @Get('*')
  async metadata(
    @Param('*') wildcard: string,
    @Query('get_meta') getMeta: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ModelMetadataDto> {
    const path = wildcard.replace(/\/+$/, '');
    if (RESERVED_FIRST_SEGMENTS.has(path.split('/')[0])) throw routeMiss(request.server, request.method, request.url);
    // Tessera is the registry, not the model host: serving predictions here would need a proxy.
    if (typeof getMeta !== 'string' || !['true', '1'].includes(getMeta.toLowerCase())) {
      throw AppError.notFound(`Cannot GET /${path}: at model URLs Tessera serves only metadata (?get_meta=true); model requests go to the model host`);
    }
    const metadata = await this.urls.metadata(path, authorization);
    reply.header('x-prt-model-id', String(metadata.model_id));
    return metadata;
  }
}
