import { applyDecorators, Inject, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Validate, ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import ms from 'ms';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AppError } from './app-error';
import { DURATION_FORMATS, DURATION_PATTERN, parseDuration } from './duration';

/** The lifetime a client may ask for, in milliseconds: `default` when it asks for none, never more than `max`. */
export interface TtlLimits {
  default: number;
  max: number;
}

const MAX_TEXT = 64;

/** Tokens whose lifetime is a duration in the request; their limits are configured (TESSERA_*_TTL). */
export type TtlKind = 'instance-token' | 'external-token';

export function ttlLimits(config: AppConfig, kind: TtlKind): TtlLimits {
  switch (kind) {
    case 'instance-token':
      return { default: config.instances.tokenDefaultTtlMs, max: config.instances.tokenMaxTtlMs };
    case 'external-token':
      return { default: config.models.externalTokenDefaultTtlMs, max: config.models.externalTokenMaxTtlMs };
  }
}

/** Why `text` is no lifetime within `max`, in the one message every TTL field answers; undefined when it is one. */
export function ttlProblem(text: unknown, max: number): string | undefined {
  const parsed = typeof text === 'string' && text.length <= MAX_TEXT ? parseDuration(text) : undefined;
  if (parsed !== undefined && parsed <= max) return undefined;
  const got = typeof text === 'string' ? `"${text.slice(0, 64)}"` : typeof text;
  return `expected ${DURATION_FORMATS}, at most ${ms(max, { long: true })}; got ${got}`;
}

/**
 * The lifetime a request asks for: `text` parsed, or the default when absent. The DTO's IsTtl has
 * refused anything else with the same message; a caller that skipped validation gets it too.
 */
export function resolveTtl(text: string | undefined, limits: TtlLimits): number {
  if (text === undefined) return limits.default;
  const problem = ttlProblem(text, limits.max);
  if (problem) throw AppError.badRequest(problem, 'invalid');
  return parseDuration(text)!;
}

/**
 * Checks a TTL field against the configured maximum of its kind. Nest creates it (class-validator
 * asks Nest's container, see setupApp) so that it can read the configuration.
 */
@ValidatorConstraint({ name: 'isTtl' })
@Injectable()
export class TtlConstraint implements ValidatorConstraintInterface {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  validate(value: unknown, args: ValidationArguments): boolean {
    return ttlProblem(value, this.max(args)) === undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property}: ${ttlProblem(args.value, this.max(args))}`;
  }

  private max(args: ValidationArguments): number {
    return ttlLimits(this.config, args.constraints[0] as TtlKind).max;
  }
}

/**
 * A token's lifetime, validated in the DTO with one message for every kind. Documented with
 * DURATION_PATTERN so the document states exactly what the server accepts (no `format: duration`,
 * which validators read as ISO 8601 only).
 */
export const IsTtl = (kind: TtlKind, description: string, example: string) =>
  applyDecorators(
    ApiProperty({ type: 'string', pattern: DURATION_PATTERN.source, maxLength: MAX_TEXT, description, example, required: false }),
    Validate(TtlConstraint, [kind]),
  );
