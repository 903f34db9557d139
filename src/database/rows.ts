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

/** Declares the columns of a raw query once, so no repository maps driver values field by field. */
export function columns<C extends Record<string, ColumnType>>(spec: C): Columns<C> {
  const fields = Object.entries(spec).map(([name, type]) => [name, typeof type === 'function' ? type : readers[type]] as const);
  return {
    read(row) {
      const out: Record<string, unknown> = {};
      for (const [name, read] of fields) out[name] = read(row[name]);
      return out as RowOf<C>;
    },
  };
}
