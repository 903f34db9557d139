import ms from 'ms';

/** Compound durations as the STACKIT spec writes them: `30d`, `5h30m40s`, `1.5h`, `2d12h`. */
const COMPOUND = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;
const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1_000];
/** Single-unit forms of the `ms` package that carry a unit: `12h`, `1w`, `90 days`, `250ms`. */
const MS_SINGLE_UNIT = /^-?\d*\.?\d+ *[a-z]+$/i;

export const DURATION_FORMATS =
  'a duration such as "30d", "12h", "1w", "5h30m40s" or "1.5h" (units: d, h, m, s, and the ms package forms like "2 days")';

/**
 * Parses a duration string into milliseconds. Returns undefined when the text is not a duration;
 * the caller decides about zero, negative and maximum values. Unitless numbers are refused because
 * "3600" could mean seconds or milliseconds.
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (!value) return undefined;
  const compound = COMPOUND.exec(value);
  if (compound && compound.slice(1).some(Boolean)) {
    return compound.slice(1).reduce((total, part, i) => total + (part ? Number(part) * UNIT_MS[i] : 0), 0);
  }
  if (!MS_SINGLE_UNIT.test(value)) return undefined;
  const parsed = ms(value as ms.StringValue);
  return Number.isFinite(parsed) ? parsed : undefined;
}
