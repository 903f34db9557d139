import { applyDecorators, Delete, Get, HttpCode, Patch } from '@nestjs/common';
import { ApiOperation, ApiParam } from '@nestjs/swagger';

/** Documents path ids as the spec does (UUIDs); ParseIdPipe enforces it. */
export const ApiUuidParams = (...names: string[]) => applyDecorators(...names.map((name) => ApiParam({ name, type: String, format: 'uuid' })));

const ITEM_METHODS = { GET: Get, PATCH: Patch, DELETE: Delete };

/**
 * A STACKIT operation on one resource, addressed by the UUID path parameter `id`. STACKIT answers
 * the writes (PATCH, DELETE) with 202 Accepted, reads with 200.
 */
export const StackitItemRoute = (method: keyof typeof ITEM_METHODS, id: string, operation: { operationId: string; summary: string }) =>
  applyDecorators(ITEM_METHODS[method](`:${id}`), ...(method === 'GET' ? [] : [HttpCode(202)]), ApiUuidParams(id), ApiOperation(operation));

export const ApiRegionParam = () =>
  ApiParam({ name: 'regionId', type: String, example: 'eu01', description: 'One of the regions this service serves (TESSERA_REGIONS).' });
