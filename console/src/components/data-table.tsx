import type { Key, ReactNode } from 'react';

/**
 * A table in a frame that scrolls sideways on narrow screens (and can be scrolled with the
 * keyboard, hence the tab stop). A column given as `false` is left out, e.g. Actions for a reader.
 */
export function DataTable<T>({
  columns,
  rows,
  rowKey,
  caption,
  children,
}: {
  columns: (string | false)[];
  rows: T[];
  rowKey: (row: T) => Key;
  caption?: ReactNode;
  children: (row: T) => ReactNode;
}) {
  return (
    <div className="table-wrap" tabIndex={0}>
      <table>
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.filter(Boolean).map((column) => (
              <th scope="col" key={column as string}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>{children(row)}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
