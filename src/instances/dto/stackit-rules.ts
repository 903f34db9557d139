import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength, registerDecorator, ValidationOptions } from 'class-validator';
import { IsOptionalOrNull } from '../../common/validation';
import { DURATION_FORMATS, DURATION_PATTERN, parseDuration } from '../../common/duration';

// The DTOs spell the spec's patterns with [\t\n\f\r ] where the spec writes `\s`: that is what RE2
// (Go SDK, Terraform) means by `\s`, while JavaScript and Python also accept other Unicode spaces;
// we accept only what every client accepts.

const DAY_MS = 86_400_000;

/** The spec's name and description patterns, with messages that say them in words. */
export const NAME_RULE = { pattern: /^[0-9a-zA-Z\t\n\f\r _-]+$/, message: '$property may contain letters, digits, spaces, "_" and "-"' };
export const OPTIONAL_NAME_RULE = { pattern: /^[0-9a-zA-Z\t\n\f\r _-]*$/, message: NAME_RULE.message };
// eslint-disable-next-line no-useless-escape -- STACKIT's pattern, character for character (it is published in the document)
export const DESCRIPTION_RULE = { pattern: /^[0-9a-zA-Z\t\n\f\r .:\/-]*$/, message: '$property may contain letters, digits, spaces, ".", ":", "/" and "-"' };

export const LABEL_KEY = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
// Describes exactly the strings of the spec's `^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])*$`
// (empty, or alphanumeric at both ends), whose nested quantifiers backtrack exponentially on a
// long value that ends in a character it refuses.
export const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
export const LABEL_VALUE_MAX = 63;
export const RESERVED_LABEL_PREFIX = 'stackit-';

/** The OpenAPI schema of `Labels` (and, with `nullable`, `LabelPatch`), which the Swagger plugin cannot infer from a Record. */
export const labelsSchema = (nullable: boolean) => ({
  type: 'object' as const,
  description:
    'Labels of the object. Keys match `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$` and must not start with `stackit-`; ' +
    'values are at most 63 characters, empty or alphanumeric at both ends with `-`, `_` and `.` inside.' +
    (nullable ? ' A `null` value removes that key.' : ''),
  additionalProperties: { type: 'string' as const, maxLength: LABEL_VALUE_MAX, pattern: LABEL_VALUE.source, ...(nullable ? { nullable: true } : {}) },
  example: { key: 'value' },
});

/**
 * A resource's `name` as the spec declares it, with its OpenAPI schema (the Swagger plugin does
 * not see validators inside a composed decorator). On a PATCH (`patch`) it is optional and may be
 * empty by the spec's pattern; `minLength` where the spec sets one.
 */
export const NameProperty = (maxLength: number, { patch = false, minLength }: { patch?: boolean; minLength?: number } = {}) => {
  const rule = patch ? OPTIONAL_NAME_RULE : NAME_RULE;
  return applyDecorators(
    (patch ? ApiPropertyOptional : ApiProperty)({ type: String, ...(minLength === undefined ? {} : { minLength }), maxLength }),
    ...(patch ? [IsOptionalOrNull()] : []),
    IsString(),
    ...(minLength === undefined ? [] : [MinLength(minLength)]),
    MaxLength(maxLength),
    Matches(rule.pattern, { message: rule.message }),
  );
};

/**
 * A resource's `description` as the spec declares it. On a PATCH (`patch`) `null` or an empty
 * string removes it; elsewhere `null` means unset.
 */
export const DescriptionProperty = (maxLength: number, { patch = false }: { patch?: boolean } = {}) =>
  applyDecorators(
    ApiPropertyOptional({ type: String, maxLength, ...(patch ? { nullable: true } : {}) }),
    patch ? IsOptional() : IsOptionalOrNull(),
    IsString(),
    MaxLength(maxLength),
    Matches(DESCRIPTION_RULE.pattern, { message: DESCRIPTION_RULE.message }),
  );

/** `labels`: `Labels`, or on a PATCH (`patch`) `LabelPatch`, where a `null` value removes its key. */
export const LabelsProperty = ({ patch = false }: { patch?: boolean } = {}) =>
  applyDecorators(ApiPropertyOptional(labelsSchema(patch)), IsOptionalOrNull(), IsLabels(patch));

/** The OpenAPI schema of `DeletedExperimentRetention`, checked by IsRetention. */
export const retentionSchema = {
  // STACKIT's pattern (compound d/h/m/s) is a subset of this one: the same parser reads every duration field.
  pattern: DURATION_PATTERN.source,
  description:
    'The duration to retain experiments marked for deletion before they are permanently purged. Min: 1d, Max: 90d. ' +
    'Written as `30d`, `7d12h` (units w, d, h, m, s) or ISO 8601 such as `P30D`.',
  example: '30d',
};

/** Why a labels object is not acceptable, or undefined when it is. */
export function labelsProblem(value: unknown, allowNull: boolean): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object of string values';
  for (const [key, item] of Object.entries(value)) {
    const name = JSON.stringify(key.slice(0, 80));
    if (!LABEL_KEY.test(key)) return `key ${name} must be alphanumeric at both ends with only "-", "_" and "." inside`;
    if (key.startsWith(RESERVED_LABEL_PREFIX)) return `key ${name}: the "${RESERVED_LABEL_PREFIX}" prefix is reserved`;
    if (item === null && allowNull) continue;
    if (typeof item !== 'string') return `value of ${name} must be a string${allowNull ? ' (or null to remove the key)' : ''}`;
    if (item.length > LABEL_VALUE_MAX) return `value of ${name} must be at most ${LABEL_VALUE_MAX} characters`;
    if (!LABEL_VALUE.test(item)) return `value of ${name} must be empty or alphanumeric at both ends with only "-", "_" and "." inside`;
  }
  return undefined;
}

/** `Labels` (create) or, with `allowNull`, `LabelPatch` (update: `null` removes a key). */
export function IsLabels(allowNull: boolean, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isLabels',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => labelsProblem(value, allowNull) === undefined,
        defaultMessage: (args) => `${args?.property}: ${labelsProblem(args?.value, allowNull)}`,
      },
    });
}

/** `DeletedExperimentRetention`: the spec's compound duration pattern, from 1d to 90d. */
export function IsRetention(options?: ValidationOptions) {
  const problem = (value: unknown) => {
    if (typeof value !== 'string' || !DURATION_PATTERN.test(value)) return `must be ${DURATION_FORMATS}`;
    const ms = parseDuration(value) ?? 0;
    if (ms < DAY_MS || ms > 90 * DAY_MS) return 'must be from 1d to 90d';
    return undefined;
  };
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isRetention',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args) => `${args?.property}: ${problem(args?.value)}`,
      },
    });
}
