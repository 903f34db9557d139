import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Validate, ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import ms from 'ms';
import { AppConfig } from '../config/app-config';
import { AppError } from './app-error';
import { DURATION_FORMATS, DURATION_PATTERN, parseDuration } from './duration';
import { validatingConfig } from './validation';

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

/** `text` as a lifetime within `max` in milliseconds, or the one message every TTL field answers. */
function parseTtl(text: unknown, max: number): ParsedDuration {
  const parsed = typeof text === 'string' && text.length <= MAX_TEXT ? parseDuration(text) : undefined;
  if (parsed !== undefined && parsed <= max) return { milliseconds: parsed };
  const got = typeof text === 'string' ? `"${text.slice(0, 64)}"` : typeof text;
  return { problem: `expected ${DURATION_FORMATS}, at most ${ms(max, { long: true })}; got ${got}` };
}

/**
 * The lifetime a request asks for: `text` parsed, or the default when absent. The DTO's IsTtl has
 * refused anything else with the same message; a caller that skipped validation gets it too.
 */
export function resolveTtl(text: string | undefined, limits: TtlLimits): number {
  if (text === undefined) return limits.default;
  const ttl = parseTtl(text, limits.max);
  if ('problem' in ttl) throw AppError.badRequest(ttl.problem, 'invalid');
  return ttl.milliseconds;
}

/** A duration parsed against its configured maximum: milliseconds, or the message for the client. */
export type ParsedDuration = { milliseconds: number } | { problem: string };

/**
 * A class-validator constraint for a duration field whose maximum is configured. `parse` reads the
 * maximum from the configuration of the app whose ValidationPipe validates the object
 * (class-validator's own container is global to the process, where tests run several apps).
 */
export function durationConstraint(name: string, parse: (value: unknown, args: ValidationArguments) => ParsedDuration) {
  @ValidatorConstraint({ name })
  class DurationConstraint implements ValidatorConstraintInterface {
    validate(value: unknown, args: ValidationArguments): boolean {
      return 'milliseconds' in parse(value, args);
    }

    defaultMessage(args: ValidationArguments): string {
      const parsed = parse(args.value, args);
      return `${args.property}: ${'problem' in parsed ? parsed.problem : 'invalid'}`;
    }
  }
  return DurationConstraint;
}

/** Checks a TTL field against the configured maximum of its kind. */
const TtlConstraint = durationConstraint('isTtl', (value, args) => parseTtl(value, maxOf(args)));

function maxOf(args: ValidationArguments): number {
  return ttlLimits(validatingConfig(args.object), args.constraints[0] as TtlKind).max;
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
