import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiConsoleErrors, ApiStackitErrors } from '../common/api-errors.decorator';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Accepts an `Idempotency-Key` header on this POST route; `errors` documents its 409 and 422 in the route's API family. */
export const Idempotent = (errors: typeof ApiStackitErrors | typeof ApiConsoleErrors = ApiStackitErrors) =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes retries safe: the same key with the same body within 24 h returns the original response (secret included); ' +
        'the same key with a different body is a 422; while the first request runs, a duplicate gets 409.',
    }),
    errors(409, 422),
  );
