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
};

function errors(model: typeof ErrorResponse | typeof ConsoleErrorResponse, statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(model),
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'error', schema: { $ref: getSchemaPath(model) } }),
    ),
  );
}

export const ApiStackitErrors = (...statuses: number[]) => errors(ErrorResponse, statuses);
export const ApiConsoleErrors = (...statuses: number[]) => errors(ConsoleErrorResponse, statuses);
