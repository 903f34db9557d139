import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, ValidationError } from 'class-validator';
import { AppError } from './app-error';

/** One readable 400 naming every bad field and its rule in words, e.g. `name may contain letters, digits, spaces, "_" and "-"`. */
export function validationExceptionFactory(errors: ValidationError[]): AppError {
  const messages = flatten(errors);
  return AppError.badRequest(messages.length ? messages.join('; ') : 'request body is not valid', 'invalid');
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message.replace(error.property, path) : `${path}: ${message}`,
    );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * An optional body field whose `null` means the same as leaving it out: some generated clients
 * (STACKIT's SDKs among them) send `null` for every optional field that is not set. A field where
 * `null` has a meaning of its own (a PATCH's description: remove it) uses `@IsOptional()` instead.
 */
export const IsOptionalOrNull = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (value === null ? undefined : value)),
    IsOptional(),
  );
