/**
 * Naming rules of the model registry. Model URLs are `<base>/<prefix>/<model>/<version>/`, so a
 * prefix must never take over a first path segment that Tessera itself serves.
 */
export const RESERVED_FIRST_SEGMENTS: ReadonlySet<string> = new Set([
  'v1',
  'v1alpha',
  'v2',
  'console',
  'docs',
  'openapi.json',
  'openapi.yaml',
  '.well-known',
  'healthz',
  'readyz',
]);

/**
 * A model URL path as the catch-all metadata route serves it: any segments, the first not one of
 * Tessera's own (those get Tessera's 404).
 */
export const MODEL_URL_PATH_PATTERN = new RegExp(
  `^(?!(?:${[...RESERVED_FIRST_SEGMENTS].map((segment) => segment.replace(/\./g, '\\.')).join('|')})(?:/|$))[^/]+(?:/[^/]+)*/?$`,
);

/** One URL path segment: lower-case letters, digits, `.`, `_`, `-`, not only dots. */
const SEGMENT = /^(?!\.+$)[a-z0-9._-]{1,100}$/;

export const PREFIX_KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** One or more segments joined by `/`, without a leading or trailing slash. */
export const PREFIX_PATTERN = /^[a-z0-9._-]+(\/[a-z0-9._-]+)*$/;
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
/** `3` or `v3`; both name version 3. */
export const VERSION_PATTERN = /^[vV]?\d{1,9}$/;

export const MODEL_STAGES = ['None', 'Staging', 'Production'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

/** Why a prefix path is not acceptable, or undefined when it is. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.length > 200) return 'prefix: at most 200 characters';
  const segments = prefix.split('/');
  if (!PREFIX_PATTERN.test(prefix) || !segments.every((segment) => SEGMENT.test(segment))) {
    return 'prefix: one or more path segments of a-z, 0-9, ".", "_" and "-" joined by "/", without a leading or trailing slash (e.g. "models/practicus")';
  }
  if (RESERVED_FIRST_SEGMENTS.has(segments[0])) {
    return `prefix: must not start with "${segments[0]}"; reserved: ${[...RESERVED_FIRST_SEGMENTS].join(', ')}`;
  }
  return undefined;
}

/** The stored form of a version: its number without the `v`, e.g. `v03` → `3`. */
export const canonicalVersion = (version: string) => String(Number(version.replace(/^[vV]/, '')));

/** Versions newest first: they are numbers, so `10` comes before `9`. */
export const byVersionDesc = (a: { version: string }, b: { version: string }) => Number(b.version) - Number(a.version);
