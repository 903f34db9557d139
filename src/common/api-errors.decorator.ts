import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ConsoleErrorResponse, ErrorResponse } from './dto/error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  409: 'conflict',
  413: 'request body too large',
  422: 'unprocessable',
  429: 'too many requests',
  503: 'the database is unreachable or busy: retry after `Retry-After` seconds (never a verdict on the credentials)',
};

/** Every operation reads the database, so every one may answer 503. */
function errors(model: typeof ErrorResponse | typeof ConsoleErrorResponse, statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(model),
    ...[...statuses, 503].map((status) => ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'error', schema: { $ref: getSchemaPath(model) } })),
  );
}

export const ApiStackitErrors = (...statuses: number[]) => errors(ErrorResponse, statuses);
export const ApiConsoleErrors = (...statuses: number[]) => errors(ConsoleErrorResponse, statuses);
