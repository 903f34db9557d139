/** Labels are stored as JSON text; an empty set is stored (and returned) as absent. */
export function encodeLabels(labels: Record<string, string> | undefined | null): string | null {
  return labels && Object.keys(labels).length ? JSON.stringify(labels) : null;
}

export function decodeLabels(text: string | null): Record<string, string> | undefined {
  return text ? (JSON.parse(text) as Record<string, string>) : undefined;
}

/** LabelPatch: keys with a string value are set, keys with `null` are removed, others are kept. */
export function patchLabels(current: string | null, patch: Record<string, string | null>): string | null {
  const labels: Record<string, string> = { ...decodeLabels(current) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete labels[key];
    else labels[key] = value;
  }
  return encodeLabels(labels);
}

/** RFC 3339 in whole seconds, as the spec's examples (`2025-08-26T10:40:52Z`). */
export const rfc3339 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The fields a PATCH changes (those it does not leave undefined), for the audit trail. */
export const changedFields = (changes: object) =>
  Object.entries(changes)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field);
