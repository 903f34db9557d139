import { applyDecorators, ArgumentMetadata, ValidationPipe } from '@nestjs/common';
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

  /** Query types whose empty query has passed validation once: a list asked for without parameters skips class-validator. */
  private readonly emptyQueryValid = new WeakSet<object>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.type === 'query' && isEmpty(value) ? metadata.metatype : undefined;
    if (type && this.emptyQueryValid.has(type)) return Object.create(type.prototype as object) as unknown;
    const result: unknown = await super.transform(value, metadata);
    if (type) this.emptyQueryValid.add(type);
    return result;
  }

  protected override validate(object: object, validatorOptions?: ValidatorOptions) {
    // Not enumerable: never serialized, copied or taken for a field of the body.
    Object.defineProperty(object, CONFIG, { value: this.config });
    return super.validate(object, validatorOptions);
  }
}

function isEmpty(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const _ in value) return false;
  return true;
}

/** The configuration AppValidationPipe put on `object` (a DTO it validates). */
export function validatingConfig(object: object): AppConfig {
  const config = (object as { [CONFIG]?: AppConfig })[CONFIG];
  if (!config) throw new Error('a constraint that reads the configuration ran outside AppValidationPipe');
  return config;
}
