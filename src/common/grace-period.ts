import { applyDecorators, Inject, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Validate, ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import ms from 'ms';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AppError } from './app-error';
import { DURATION_FORMATS, DURATION_PATTERN, parseDuration } from './duration';

const MAX_TEXT = 64;
/** No grace at all; the duration syntax itself only admits positive amounts. */
const ZERO = /^(?:0|0s|PT0S)$/;
/** What the document publishes: zero, or any duration DURATION_PATTERN admits. */
const GRACE_PATTERN = new RegExp(`${ZERO.source}|${DURATION_PATTERN.source}`);

/** Why `text` is no grace period within `max`, in the one message every rotate route answers; undefined when it is one. */
export function gracePeriodProblem(text: unknown, max: number): string | undefined {
  const parsed = parseGracePeriod(text);
  if (parsed !== undefined && parsed <= max) return undefined;
  const got = typeof text === 'string' ? `"${text.slice(0, 64)}"` : typeof text;
  return `expected "0" (none) or ${DURATION_FORMATS}, at most ${ms(max, { long: true })}; got ${got}`;
}

function parseGracePeriod(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > MAX_TEXT) return undefined;
  return ZERO.test(text) ? 0 : parseDuration(text);
}

/** The grace a request asks for in milliseconds: 0 when absent. The DTO has refused anything else with the same message. */
export function resolveGracePeriod(text: string | undefined, max: number): number {
  if (text === undefined) return 0;
  const problem = gracePeriodProblem(text, max);
  if (problem) throw AppError.badRequest(problem, 'invalid');
  return parseGracePeriod(text)!;
}

/**
 * The instant a rotated token stops working: `gracePeriod` from now, in whole seconds rounded down
 * (so a grace of 0 ends it at once), and never later than it would have expired anyway.
 */
export function graceEnd(validUntil: Date, graceMs: number, now = Date.now()): Date {
  const end = Math.floor((now + graceMs) / 1000) * 1000;
  return new Date(Math.min(validUntil.getTime(), end));
}

/** Checks a grace period against TESSERA_ROTATION_MAX_GRACE; Nest creates it so that it can read the configuration. */
@ValidatorConstraint({ name: 'isGracePeriod' })
@Injectable()
export class GracePeriodConstraint implements ValidatorConstraintInterface {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  validate(value: unknown): boolean {
    return gracePeriodProblem(value, this.config.rotation.maxGraceMs) === undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property}: ${gracePeriodProblem(args.value, this.config.rotation.maxGraceMs)}`;
  }
}

/** How long a rotated token keeps working beside its successor, validated in the DTO. */
export const IsGracePeriod = () =>
  applyDecorators(
    ApiProperty({
      type: 'string',
      pattern: GRACE_PATTERN.source,
      maxLength: MAX_TEXT,
      required: false,
      example: '24h',
      description:
        'How long the old token keeps working beside the new one: `0` (the default: it stops at once), `30m`, `24h`, `7d` or ISO 8601 such as `PT12H`. ' +
        'At most 7 days (configurable; a longer one is a 400). The old token never outlives its own `validUntil`.',
    }),
    Validate(GracePeriodConstraint),
  );
