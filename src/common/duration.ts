const NUMBER = String.raw`\d+(?:\.\d+)?`;
const UNIT_MS: Record<string, number> = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 };

/** The short form STACKIT's examples use: `30d`, `12h`, `5h30m40s`, `1.5h`, `1w2d`, units in this order. */
const SHORT = `(?=\\d)(?:${NUMBER}w)?(?:${NUMBER}d)?(?:${NUMBER}h)?(?:${NUMBER}m)?(?:${NUMBER}s)?`;
/**
 * ISO 8601: `P30D`, `PT12H`, `P1DT2H`, `P1W`. Years and months are refused: their length varies,
 * so a token's lifetime would depend on the calendar.
 */
const ISO = `P(?:${NUMBER}W|(?=\\d|T\\d)(?:${NUMBER}D)?(?:T(?=\\d)(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?)`;

/**
 * Every duration the API accepts, and nothing else: a positive amount (some digit is not zero) in
 * either form. The OpenAPI document publishes this very pattern, so validating clients agree with
 * the server; upper bounds are checked separately, with their own message.
 */
export const DURATION_PATTERN = new RegExp(`^(?=[^1-9]*[1-9])(?:${SHORT}|${ISO})$`);

/** What DURATION_PATTERN admits, in words, for error messages and the document. */
export const DURATION_FORMATS =
  'a positive duration: "30d", "12h", "1w", "5h30m40s" or "1.5h" (units w, d, h, m, s, in that order), or ISO 8601 such as "P30D", "PT12H", "P1DT2H" or "P1W" (no years or months)';

const COMPONENT = /(\d+(?:\.\d+)?)([wdhms])/gi;

/**
 * Parses a duration in either form into milliseconds; undefined when DURATION_PATTERN refuses the
 * text. Unitless numbers are refused because "3600" could mean seconds or milliseconds.
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  const iso = text.startsWith('P');
  let total = 0;
  let inTime = false;
  for (const part of iso ? text.slice(1).split(/(T)/) : [text]) {
    if (part === 'T') {
      inTime = true;
      continue;
    }
    for (const [, amount, unit] of part.matchAll(COMPONENT)) {
      // ISO `M` is minutes only after `T` (months are refused by the pattern); short `m` is minutes.
      const key = unit.toUpperCase();
      total += Number(amount) * (key === 'M' && iso && !inTime ? NaN : UNIT_MS[key]);
    }
  }
  return Number.isFinite(total) && total > 0 ? total : undefined;
}
