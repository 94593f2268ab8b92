/**
 * The CLI's side of output: its global flags and result printing. The process window (`Io`)
 * lives in src/io.ts, shared with ops code that must not depend on the CLI.
 */
import type { Io, OutputOptions } from '../io.js';

export { processIo, say, type Io, type OutputOptions } from '../io.js';

/** Flags every command accepts. */
export interface GlobalOptions extends OutputOptions {
  verbose: boolean;
}

/** Prints a result: JSON with `--json`, otherwise the human text. */
export function printResult(io: Io, globals: GlobalOptions, data: unknown, human: () => string): void {
  io.stdout.write(globals.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** A plain text table: columns padded, no colour needed. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}
