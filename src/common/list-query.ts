import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, registerDecorator } from 'class-validator';
import { createHash } from 'node:crypto';
import { AppError } from './app-error';

/**
 * What the three token lists (instance tokens, service-account access tokens, external model
 * tokens) share: `sort=field[:asc|desc]`, RFC 3339 timestamp filters, repeatable `state`, a page
 * size and an opaque keyset cursor. Each list names its own fields; the parsing is here once.
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export type SortDirection = 'asc' | 'desc';
export interface Sort<F extends string> {
  field: F;
  direction: SortDirection;
}
export type SortValue = Date | string | null;
/** A position in a list's total order: the sort value and the id of a row. */
export interface Keyset {
  value: SortValue;
  id: string;
}

/** One page's part of a list query: its order, where it starts, how many rows to read. */
export interface ListPage<F extends string> {
  sort: Sort<F>;
  /** Rows strictly after this position (the last row of the previous page). */
  after?: Keyset;
  /** The page size plus one: the extra row says whether another page follows. */
  limit: number;
  /** Identifies the filter and the sort; a cursor carries it, so it cannot continue another list. */
  fingerprint: string;
}

/** `field`, `field:asc` and `field:desc` for each field: what `sort` accepts. */
export const sortValues = (fields: readonly string[]) => fields.flatMap((field) => [field, `${field}:asc`, `${field}:desc`]);

/** `sort`: one field, ascending unless `:desc` follows it; the id breaks ties in the same direction. */
export const IsListSort = (fields: readonly string[], fallback: string) =>
  applyDecorators(
    ApiPropertyOptional({
      type: String,
      enum: sortValues(fields),
      description: `Order: a field, then \`:asc\` (the default) or \`:desc\`. Empty values sort last either way; the id breaks ties, so the order is total. Default \`${fallback}\`.`,
    }),
    IsOptional(),
    IsIn(sortValues(fields), { message: `$property: one of ${fields.join(', ')}, optionally followed by :asc or :desc` }),
  );

/** A repeatable enum parameter (`state=a&state=b`); a comma-separated value counts as repeated too. */
export const IsRepeatable = (values: readonly string[], description: string) =>
  applyDecorators(
    ApiPropertyOptional({ enum: values, isArray: true, description }),
    Transform(({ value }: { value: unknown }) =>
      value === undefined ? value : [value].flat().flatMap((item) => (typeof item === 'string' ? item.split(',') : [item])),
    ),
    IsOptional(),
    ArrayMaxSize(values.length * 2, { message: '$property: given too often' }),
    IsIn(values, { each: true, message: `$property: each value one of ${values.join(', ')}` }),
  );

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/i;

/** A timestamp as RFC 3339 writes it, of a day that exists (Date.parse reads February 30 as March 2). */
function isRfc3339(value: unknown): boolean {
  const match = typeof value === 'string' ? RFC3339.exec(value) : null;
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An RFC 3339 timestamp parameter (`2027-01-31T00:00:00Z`, an offset instead of `Z` is fine). */
export const IsTimestamp = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: String, format: 'date-time', example: '2027-01-31T00:00:00Z', description }),
    IsOptional(),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isTimestamp',
        target: target.constructor,
        propertyName: String(propertyName),
        validator: {
          validate: isRfc3339,
          defaultMessage: (args) => `${args?.property}: must be an RFC 3339 timestamp such as 2027-01-31T00:00:00Z`,
        },
      }),
  );

/** A query-string integer from 1 to MAX_PAGE_SIZE. */
export const IsPageSize = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      description: `Tokens per page, 1 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE} once a list parameter is given.`,
    }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value)),
    IsOptional(),
    IsInt({ message: `$property: an integer from 1 to ${MAX_PAGE_SIZE}` }),
    Min(1, { message: `$property: an integer from 1 to ${MAX_PAGE_SIZE}` }),
    Max(MAX_PAGE_SIZE, { message: `$property: an integer from 1 to ${MAX_PAGE_SIZE}` }),
  );

/** `true` or `false` in a query string. */
export const IsQueryBoolean = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: Boolean, description }),
    Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value)),
    IsOptional(),
    IsIn([true, false], { message: '$property: true or false' }),
  );

/** The opaque cursor of the previous page's `nextCursor`. */
export const IsCursor = () =>
  applyDecorators(
    ApiPropertyOptional({ type: String, description: 'Where to continue: the `nextCursor` of the previous page, with the same filters and sort.' }),
    IsOptional(),
    IsString(),
    MaxLength(1024, { message: '$property: not a cursor of this list' }),
    Matches(/^[A-Za-z0-9_-]+$/, { message: '$property: not a cursor of this list' }),
  );

/** A name-substring search parameter. */
export const IsSearch = () =>
  applyDecorators(
    ApiPropertyOptional({ type: String, maxLength: 64, description: 'Only tokens whose name contains this text, ignoring case.' }),
    IsOptional(),
    IsString(),
    MaxLength(64, { message: '$property: at most 64 characters' }),
  );

/** Parses a validated `sort` value; `fallback` when absent. */
export function parseSort<F extends string>(text: string | undefined, fallback: F): Sort<F> {
  const [field, direction] = (text ?? fallback).split(':');
  return { field: field as F, direction: direction === 'desc' ? 'desc' : 'asc' };
}

/**
 * The page a query asks for. `filter` is the list's normalized filter (the same filter must give
 * the same JSON); a cursor made for another filter or sort, or damaged, is a 400 naming `cursor`.
 */
export function openPage<F extends string>(query: {
  filter: unknown;
  sort: Sort<F>;
  pageSize?: number;
  cursor?: string;
  /** Sort fields whose values are timestamps (the cursor holds them as text). */
  dateFields: readonly F[];
}): ListPage<F> {
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([query.filter, query.sort]))
    .digest('base64url')
    .slice(0, 16);
  const page: ListPage<F> = { sort: query.sort, limit: (query.pageSize ?? DEFAULT_PAGE_SIZE) + 1, fingerprint };
  if (query.cursor !== undefined) page.after = readCursor(query.cursor, fingerprint, query.dateFields.includes(query.sort.field));
  return page;
}

/** The page's rows (without the extra one) and, when more follow, the cursor of the next page. */
export function closePage<T>(rows: T[], page: ListPage<string>, keysetOf: (row: T) => Keyset): { rows: T[]; nextCursor?: string } {
  if (rows.length < page.limit) return { rows };
  const shown = rows.slice(0, page.limit - 1);
  const last = keysetOf(shown[shown.length - 1]);
  const value = last.value instanceof Date ? last.value.toISOString() : last.value;
  return { rows: shown, nextCursor: Buffer.from(JSON.stringify({ f: page.fingerprint, v: value, i: last.id })).toString('base64url') };
}

function readCursor(cursor: string, fingerprint: string, isDate: boolean): Keyset {
  let parsed: { f?: unknown; v?: unknown; i?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw AppError.badRequest('cursor: not a cursor of this list', 'invalid');
  }
  const { f, v, i } = parsed ?? {};
  if (typeof i !== 'string' || !(v === null || typeof v === 'string') || (isDate && v !== null && Number.isNaN(Date.parse(v)))) {
    throw AppError.badRequest('cursor: not a cursor of this list', 'invalid');
  }
  if (f !== fingerprint) throw AppError.badRequest('cursor: made for other filters or another sort; repeat the same parameters', 'invalid');
  return { value: isDate && v !== null ? new Date(v) : v, id: i };
}

/** An optional RFC 3339 parameter as a Date. */
export const timestamp = (text: string | undefined) => (text === undefined ? undefined : new Date(text));

/** True when no parameter of the query was given. */
export const noParameters = (query: object) => Object.values(query).every((value) => value === undefined);

/** The expiry and last-use filters of a token list as Dates; undefined fields do not filter. */
export interface TimeFilter {
  expiresBefore?: Date;
  expiresAfter?: Date;
  lastUsedBefore?: Date;
  lastUsedAfter?: Date;
  neverUsed?: boolean;
}

/**
 * The expiry and last-use parameters of the `/v1` and `/v2` token lists (instance tokens,
 * service-account access tokens); the console API's external-token list spells them in snake case.
 */
export class TimeFilterQuery {
  @IsTimestamp('Only tokens whose `validUntil` is earlier than this.')
  expiresBefore?: string;

  @IsTimestamp('Only tokens whose `validUntil` is later than this.')
  expiresAfter?: string;

  @IsTimestamp('Only tokens last used earlier than this (never-used tokens excluded).')
  lastUsedBefore?: string;

  @IsTimestamp('Only tokens last used later than this.')
  lastUsedAfter?: string;

  @IsQueryBoolean('`true`: only tokens never used; `false`: only tokens used at least once.')
  neverUsed?: boolean;
}

/** The time parameters of `query` as a TimeFilter. */
export const timeFilterOf = (query: TimeFilterQuery): TimeFilter => ({
  expiresBefore: timestamp(query.expiresBefore),
  expiresAfter: timestamp(query.expiresAfter),
  lastUsedBefore: timestamp(query.lastUsedBefore),
  lastUsedAfter: timestamp(query.lastUsedAfter),
  neverUsed: query.neverUsed,
});
