import type { Summary } from './stats.js';

/** One printed table: a title, a header row, rows, and notes below. */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  notes?: string[];
}

/** "144 (131-160)": median and its 10th-90th percentile spread. */
export function spread(summary: Summary, digits = 0): string {
  if (!Number.isFinite(summary.median)) return '-';
  const f = (v: number) => v.toFixed(digits);
  if (!Number.isFinite(summary.p10)) return f(summary.median);
  return `${f(summary.median)} (${f(summary.p10)}-${f(summary.p90)})`;
}

export function ratio(summary: Summary): string {
  return spread(summary, 2);
}

export function formatTable(table: Table): string {
  const widths = table.header.map((h, col) => Math.max(h.length, ...table.rows.map((row) => (row[col] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  ').trimEnd();
  return [
    table.title,
    line(table.header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
    ...(table.notes ?? []).map((note) => `  ${note}`),
  ].join('\n');
}
