/** Reads a DateTime column from either driver (SQLite gives text, PostgreSQL a Date). */
function readDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}

/** How each column type reads on both drivers; `?` marks a nullable column. */
const readers = {
  text: (value: unknown) => value as string,
  'text?': (value: unknown) => (value ?? null) as string | null,
  // PostgreSQL returns a bigint (COUNT) as a string.
  int: (value: unknown) => Number(value),
  'int?': (value: unknown) => (value === null || value === undefined ? null : Number(value)),
  // SQLite stores a boolean as 0 or 1.
  bool: (value: unknown) => Boolean(value),
  date: (value: unknown) => readDate(value)!,
  'date?': readDate,
};

/** A column type by name, or a reader of its own (a text column holding one of a union's values). */
export type ColumnType = keyof typeof readers | ((value: unknown) => unknown);
type Read<T extends ColumnType> = T extends keyof typeof readers ? (typeof readers)[T] : T;
export type RowOf<C extends Record<string, ColumnType>> = { [K in keyof C]: ReturnType<Read<C[K]>> };

/** The columns a raw query selects and their types: turns the driver's rows into typed objects. */
export interface Columns<C extends Record<string, ColumnType>> {
  read(row: Record<string, unknown>): RowOf<C>;
}

/**
 * Declares the columns of a raw query once, so no repository maps driver values field by field.
 * The reader is compiled to one object literal per declaration, so a row costs what the
 * hand-written mapping it replaces cost; a generic loop over the columns does not, and the token
 * list maps every token of an instance.
 */
export function columns<C extends Record<string, ColumnType>>(spec: C): Columns<C> {
  const names = Object.keys(spec);
  const read = names.map((name) => {
    const type = spec[name];
    return typeof type === 'function' ? type : readers[type];
  });
  const fields = names.map((name, index) => `${JSON.stringify(name)}: read[${index}](row[${JSON.stringify(name)}])`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- built from the declaration's own names (JSON-quoted), never from input
  const compile = new Function('read', `return (row) => ({ ${fields.join(', ')} });`) as (read: unknown[]) => Columns<C>['read'];
  return { read: compile(read) };
}
