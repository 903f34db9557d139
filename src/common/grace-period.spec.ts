import { graceEnd, resolveGracePeriod } from './grace-period';

const DAY_MS = 86_400_000;

describe('grace periods', () => {
  it('accepts zero in three spellings and any positive duration up to the maximum', () => {
    for (const zero of ['0', '0s', 'PT0S']) expect(resolveGracePeriod(zero, 7 * DAY_MS)).toBe(0);
    expect(resolveGracePeriod(undefined, 7 * DAY_MS)).toBe(0);
    expect(resolveGracePeriod('30m', 7 * DAY_MS)).toBe(1_800_000);
    expect(resolveGracePeriod('P7D', 7 * DAY_MS)).toBe(7 * DAY_MS);
  });

  it('refuses more than the maximum, other spellings and other types with one message', () => {
    expect(() => resolveGracePeriod('8d', 7 * DAY_MS)).toThrow(
      'expected "0" (none) or a positive duration: "30d", "12h", "1w", "5h30m40s" or "1.5h" (units w, d, h, m, s, in that order), ' +
        'or ISO 8601 such as "P30D", "PT12H", "P1DT2H" or "P1W" (no years or months), at most 7 days; got "8d"',
    );
    for (const bad of ['00', '-1h', '1y', '', 'P1M', 0, null]) expect(() => resolveGracePeriod(bad as string, 7 * DAY_MS)).toThrow(/^expected /);
    expect(() => resolveGracePeriod('soon', DAY_MS)).toThrow(/got "soon"/);
  });

  it('ends the old token at now + grace in whole seconds rounded down, never after its own validUntil', () => {
    const now = Date.parse('2026-12-03T10:00:00.750Z');
    const validUntil = new Date('2026-12-03T11:00:00Z');
    expect(graceEnd(validUntil, 0, now).toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(graceEnd(validUntil, 30 * 60_000, now).toISOString()).toBe('2026-12-03T10:30:00.000Z');
    expect(graceEnd(validUntil, 2 * 3_600_000, now)).toEqual(validUntil);
  });
});
