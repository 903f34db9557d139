import { AppError } from './app-error';
import { closePage, openPage, parseSort, sortValues } from './list-query';

describe('list pages and cursors', () => {
  const filter = { states: ['active'], search: 'ci' };
  const rows = ['a', 'b', 'c'].map((id, index) => ({ id, at: new Date(Date.UTC(2027, 0, 1 + index)) }));

  it('reads one row more than the page and makes the cursor from the last row shown', () => {
    const page = openPage({ filter, sort: parseSort('at:desc', 'at'), pageSize: 2, dateFields: ['at'] });
    expect(page.limit).toBe(3);
    const shown = closePage(rows, page, (row) => ({ value: row.at, id: row.id }));
    expect(shown.rows.map((row) => row.id)).toEqual(['a', 'b']);
    const next = openPage({ filter, sort: parseSort('at:desc', 'at'), pageSize: 2, cursor: shown.nextCursor, dateFields: ['at'] });
    expect(next.after).toEqual({ value: rows[1].at, id: 'b' });
    expect(closePage(rows.slice(0, 2), page, (row) => ({ value: row.at, id: row.id }))).toEqual({ rows: rows.slice(0, 2) });
  });

  it('keeps an empty sort value as null and text as text', () => {
    const page = openPage({ filter, sort: parseSort('name', 'at'), pageSize: 1, dateFields: ['at'] });
    const { nextCursor } = closePage([{ id: 'x' }, { id: 'y' }], page, (row) => ({ value: null, id: row.id }));
    expect(openPage({ filter, sort: parseSort('name', 'at'), cursor: nextCursor, dateFields: ['at'] }).after).toEqual({ value: null, id: 'x' });
  });

  it('refuses a cursor of another filter or sort, or a damaged one, naming cursor', () => {
    const page = openPage({ filter, sort: parseSort(undefined, 'at'), pageSize: 1, dateFields: ['at'] });
    const { nextCursor } = closePage(rows, page, (row) => ({ value: row.at, id: row.id }));
    const open =
      (cursor: string, other = filter, sort = 'at') =>
      () =>
        openPage({ filter: other, sort: parseSort(sort, 'at'), cursor, dateFields: ['at'] });
    expect(open(nextCursor!)).not.toThrow();
    for (const attempt of [
      open(nextCursor!, { states: ['inactive'], search: 'ci' }),
      open(nextCursor!, filter, 'at:desc'),
      open('not-base64-json'),
      open(Buffer.from(JSON.stringify({ f: page.fingerprint, v: 'not a date', i: 'a' })).toString('base64url')),
      open(Buffer.from(JSON.stringify({ f: page.fingerprint, v: null })).toString('base64url')),
    ]) {
      expect(attempt).toThrow(AppError);
      expect(attempt).toThrow(/^cursor: /);
    }
  });

  it('spells every sort a list accepts', () => {
    expect(sortValues(['name'])).toEqual(['name', 'name:asc', 'name:desc']);
    expect(parseSort('name:desc', 'createdAt')).toEqual({ field: 'name', direction: 'desc' });
    expect(parseSort(undefined, 'createdAt')).toEqual({ field: 'createdAt', direction: 'asc' });
  });
});
