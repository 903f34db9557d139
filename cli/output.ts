import { Option } from 'commander';
import { CliError } from './errors';

export type OutputFormat = 'table' | 'json' | 'secret';

/** A column of a table: its header and how to read a cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/** How a command shows what the API answered. */
export interface View<T> {
  /** The text of `--output table`: {@link rowsOf} or {@link fieldsOf}. */
  table: (data: T) => string;
  /** The secret the call created, for `--output secret`; commands that create none leave it out. */
  secret?: (data: T) => string;
}

/** A table with a header line and one line per row. */
export function rowsOf<T, R>(rows: (data: T) => R[], columns: Column<R>[]): (data: T) => string {
  return (data) => {
    const cells = [columns.map((column) => column.header), ...rows(data).map((row) => columns.map((column) => cell(column.value(row))))];
    const widths = columns.map((_, index) => Math.max(...cells.map((line) => line[index].length)));
    return cells.map((line) => line.map((text, index) => (index === line.length - 1 ? text : text.padEnd(widths[index]))).join('  ')).join('\n');
  };
}

/** One resource as `FIELD  value` lines. */
export function fieldsOf<T, R>(row: (data: T) => R, columns: Column<R>[]): (data: T) => string {
  const width = Math.max(...columns.map((column) => column.header.length));
  return (data) => columns.map((column) => `${column.header.padEnd(width)}  ${cell(column.value(row(data)))}`).join('\n');
}

/** `-o, --output`: `secret` only where the command creates a secret. */
export function outputOption(withSecret = false): Option {
  const formats = withSecret ? ['table', 'json', 'secret'] : ['table', 'json'];
  const help = withSecret
    ? 'table (secret not shown), json (the API response, secret included) or secret (only the secret)'
    : 'table or json (the API response as is)';
  return new Option('-o, --output <format>', help).choices(formats).default('table');
}

/**
 * Writes `data` to stdout in `format`. JSON is the API's response unchanged, so scripts can rely
 * on the documented schema; the table leaves secrets out and says so on stderr.
 */
export function print<T>(data: T, format: OutputFormat, view: View<T>): void {
  if (format === 'json') return write(JSON.stringify(data, null, 2));
  if (format === 'secret') {
    if (!view.secret) throw CliError.usage('--output secret: this command creates no secret');
    return write(view.secret(data));
  }
  write(view.table(data));
  if (view.secret) process.stderr.write('The secret is not shown: it is printed only with --output secret or --output json.\n');
}

/** A one-line confirmation for calls whose table view has nothing to show (deletes); JSON only if the API sent a body. */
export function printDone<T>(data: T, format: OutputFormat, message: string): void {
  if (format !== 'json') write(message);
  else if (data !== undefined) write(JSON.stringify(data, null, 2));
}

function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.map(cell).join(', ');
  if (typeof value === 'object') {
    return (
      Object.entries(value)
        .map(([key, item]) => `${key}=${cell(item)}`)
        .join(', ') || '-'
    );
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}
