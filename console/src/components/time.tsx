const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

export function relativeTime(date: Date, now = Date.now()): string {
  const delta = date.getTime() - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms) return relative.format(Math.round(delta / ms), unit);
  }
  return relative.format(0, 'minute');
}

/** "in 30 days" with the exact date and time beside it (the table shows both). */
export function Time({ value, empty = '—' }: { value?: string | null; empty?: string }) {
  if (!value) return <span className="muted">{empty}</span>;
  const date = new Date(value);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {relativeTime(date)}
      <small className="absolute">{absolute.format(date)}</small>
    </time>
  );
}
