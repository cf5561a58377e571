/**
 * What scenarios report and how the suite shows it: one table of rows (value, unit, target) and
 * the same numbers as flat JSON keys in bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import type { MachineFacts } from './machine.ts';

/** A target a row is held to, e.g. `{ op: '<=', value: 20 }` for "p50 ≤ 20 ms". */
export interface Target {
  readonly op: '<=' | '>=';
  readonly value: number;
}

/** One measured figure. */
export interface ResultRow {
  /** The JSON key, snake_case, e.g. `dispatch_p50_ms`. */
  readonly key: string;
  /** What it is, for the table. */
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: Target;
}

/** What one scenario measured: rows, and notes (skips, caveats, what was run). */
export interface ScenarioResult {
  readonly rows: ResultRow[];
  readonly notes: string[];
}

/** Whether a row meets its target; null when it has none or no value. */
export function meetsTarget(row: ResultRow): boolean | null {
  if (!row.target || Number.isNaN(row.value)) return null;
  return row.target.op === '<=' ? row.value <= row.target.value : row.value >= row.target.value;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The table as plain text, one row per figure, with the scenario as a section heading. */
export function formatTable(machineLine: string, sections: readonly { name: string; result: ScenarioResult }[]): string {
  const lines = [machineLine, ''];
  const header = ['figure', 'value', 'unit', 'target', 'met', 'key'];
  const body: string[][] = [];
  for (const { name, result } of sections) {
    body.push([`[${name}]`, '', '', '', '', '']);
    for (const row of result.rows) {
      const met = meetsTarget(row);
      body.push([
        `  ${row.label}`,
        formatValue(row.value),
        row.unit,
        row.target ? `${row.target.op === '<=' ? '≤' : '≥'} ${row.target.value}` : '',
        met === null ? '' : met ? 'yes' : 'NO',
        row.key,
      ]);
    }
  }
  const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((row) => row[column].length)));
  const render = (row: string[]) =>
    row
      .map((cell, column) => (column === 1 ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  lines.push(render(header), widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of body) lines.push(render(row));
  const notes = sections.flatMap(({ name, result }) => result.notes.map((note) => `  ${name}: ${note}`));
  if (notes.length) lines.push('', 'notes:', ...notes);
  return lines.join('\n');
}

/** Writes results.json: the rows as top-level numeric keys, plus the machine, rows and notes. */
export function writeResults(path: string, machine: MachineFacts, sections: readonly { name: string; result: ScenarioResult }[]): void {
  const flat: Record<string, number | null> = {};
  for (const { result } of sections) for (const row of result.rows) flat[row.key] = Number.isNaN(row.value) ? null : row.value;
  const document = {
    ...flat,
    machine,
    generatedAt: new Date().toISOString(),
    scenarios: sections.map(({ name, result }) => ({
      name,
      rows: result.rows.map((row) => ({ ...row, value: Number.isNaN(row.value) ? null : row.value, met: meetsTarget(row) })),
      notes: result.notes,
    })),
  };
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
}
