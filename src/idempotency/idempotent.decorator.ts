import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiStackitErrors } from '../common/api-errors.decorator';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Accepts an `Idempotency-Key` header on this POST route. */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes retries safe: the same key with the same body within 24 h returns the original response (secret included); ' +
        'the same key with a different body is a 422; while the first request runs, a duplicate gets 409.',
    }),
    ApiStackitErrors(409, 422),
  );
