/** The report's tables for the terminal. */
import Table from 'cli-table3';
import type { TableModel } from './tables.js';

export function renderTerminalTable(t: TableModel): string {
  const table = new Table({ head: t.head, colAligns: t.align, style: { head: [], border: [] } });
  for (const r of t.rows) table.push(r);
  return table.toString();
}
