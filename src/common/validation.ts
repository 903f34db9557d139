import { applyDecorators, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, ValidationError, ValidatorOptions } from 'class-validator';
import type { AppConfig } from '../config/app-config';
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

const CONFIG = Symbol('the configuration of the app validating this object');

/**
 * The global ValidationPipe, which also hands its app's configuration to the constraints that need
 * it (a TTL's maximum) on the object it validates: class-validator's container is one per process,
 * and tests run several apps with different configurations in one process.
 */
export class AppValidationPipe extends ValidationPipe {
  constructor(private readonly config: AppConfig) {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, exceptionFactory: validationExceptionFactory });
  }

  protected override validate(object: object, validatorOptions?: ValidatorOptions) {
    // Not enumerable: never serialized, copied or taken for a field of the body.
    Object.defineProperty(object, CONFIG, { value: this.config });
    return super.validate(object, validatorOptions);
  }
}

/** The configuration AppValidationPipe put on `object` (a DTO it validates). */
export function validatingConfig(object: object): AppConfig {
  const config = (object as { [CONFIG]?: AppConfig })[CONFIG];
  if (!config) throw new Error('a constraint that reads the configuration ran outside AppValidationPipe');
  return config;
}
