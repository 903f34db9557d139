import { applyDecorators } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';

/** Documents path ids as the spec does (UUIDs); ParseIdPipe enforces it. */
export const ApiUuidParams = (...names: string[]) => applyDecorators(...names.map((name) => ApiParam({ name, type: String, format: 'uuid' })));

export const ApiRegionParam = () =>
  ApiParam({ name: 'regionId', type: String, example: 'eu01', description: 'One of the regions this service serves (TESSERA_REGIONS).' });
