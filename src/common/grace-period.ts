import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Validate } from 'class-validator';
import ms from 'ms';
import { AppError } from './app-error';
import { DURATION_FORMATS, DURATION_PATTERN, parseDuration } from './duration';
import { durationConstraint, ParsedDuration } from './ttl';
import { validatingConfig } from './validation';

const MAX_TEXT = 64;
/** No grace at all; the duration syntax itself only admits positive amounts. */
const ZERO = /^(?:0|0s|PT0S)$/;
/** What the document publishes: zero, or any duration DURATION_PATTERN admits. */
const GRACE_PATTERN = new RegExp(`${ZERO.source}|${DURATION_PATTERN.source}`);

/** `text` as a grace period within `max` in milliseconds, or the one message every rotate route answers. */
function parseGracePeriod(text: unknown, max: number): ParsedDuration {
  const parsed = typeof text !== 'string' || text.length > MAX_TEXT ? undefined : ZERO.test(text) ? 0 : parseDuration(text);
  if (parsed !== undefined && parsed <= max) return { milliseconds: parsed };
  const got = typeof text === 'string' ? `"${text.slice(0, 64)}"` : typeof text;
  return { problem: `expected "0" (none) or ${DURATION_FORMATS}, at most ${ms(max, { long: true })}; got ${got}` };
}

/** The grace a request asks for in milliseconds: 0 when absent. The DTO has refused anything else with the same message. */
export function resolveGracePeriod(text: string | undefined, max: number): number {
  if (text === undefined) return 0;
  const grace = parseGracePeriod(text, max);
  if ('problem' in grace) throw AppError.badRequest(grace.problem, 'invalid');
  return grace.milliseconds;
}

/** What a rotation reads of the token it replaces. */
export interface RotatedToken {
  rotatedTo: string | null;
  revokedAt?: Date | null;
  expiresAt: Date;
}

/** The 409 of a token that was already rotated, naming its successor (`noun`: how its API calls it). */
export const alreadyRotated = (noun: string, successorId: string) =>
  AppError.conflict(`${noun} was already rotated: its successor is ${successorId}; rotate that one instead`, 'already_rotated');

/** A token is rotated once and only while it works: already rotated, revoked or expired is a 409. */
export function refuseUnrotatable(noun: string, token: RotatedToken, now: number): void {
  if (token.rotatedTo) throw alreadyRotated(noun, token.rotatedTo);
  if (token.revokedAt) throw AppError.conflict(`${noun} is revoked: create a new one instead of rotating it`);
  if (token.expiresAt.getTime() <= now) throw AppError.conflict(`${noun} expired at ${token.expiresAt.toISOString()}: create a new one instead of rotating it`);
}

/**
 * The instant a rotated token stops working: `gracePeriod` from now, in whole seconds rounded down
 * (so a grace of 0 ends it at once), and never later than it would have expired anyway.
 */
export function graceEnd(validUntil: Date, graceMs: number, now = Date.now()): Date {
  const end = Math.floor((now + graceMs) / 1000) * 1000;
  return new Date(Math.min(validUntil.getTime(), end));
}

/** Checks a grace period against TESSERA_ROTATION_MAX_GRACE. */
const GracePeriodConstraint = durationConstraint('isGracePeriod', (value, args) => parseGracePeriod(value, validatingConfig(args.object).rotation.maxGraceMs));

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
