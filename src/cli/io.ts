/**
 * What a command may touch of the outside world, injectable for tests: output streams,
 * environment, working directory, and whether stdout is a terminal.
 */

/** The command's window on the process. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  isTty: boolean;
}

/** Flags every command accepts. */
export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
  envFile?: string;
}

/** The real process's Io. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), isTty: Boolean(process.stdout.isTTY) };
}

/** Prints a result: JSON with `--json`, otherwise the human text. */
export function printResult(io: Io, globals: GlobalOptions, data: unknown, human: () => string): void {
  io.stdout.write(globals.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** Prints a message for people (stderr, never parsed). */
export function say(io: Io, text: string): void {
  io.stderr.write(`${text}\n`);
}

/** A plain text table: columns padded, no colour needed. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}
