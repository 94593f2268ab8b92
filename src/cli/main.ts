/**
 * Runs one CLI invocation and returns its exit code. Errors become one sentence on
 * stderr (JSON with --json; the stack only with --verbose); `bin/` does the exiting.
 */
import { CommanderError } from 'commander';
import { EXIT, InterruptedError, isTtopsError } from '../errors.js';
import { processIo, type Io } from './io.js';
import { buildProgram } from './program.js';

/** Parses argv, runs the command, and returns the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return report(error, io, argv);
  }
}

/** Ctrl-C at an @inquirer prompt rejects with ExitPromptError: the one place it becomes exit 130. */
function interrupted(error: unknown): boolean {
  return (error as Error)?.name === 'ExitPromptError';
}

function report(caught: unknown, io: Io, argv: string[]): number {
  // Commander has already printed its own usage errors.
  if (caught instanceof CommanderError) return caught.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const error = interrupted(caught) ? new InterruptedError(undefined, { cause: caught }) : caught;
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  const known = isTtopsError(error);
  const code = known ? error.code : 'internal_error';
  const message = known ? error.message : `internal error: ${(error as Error)?.message ?? String(error)} — rerun with --verbose and report it`;
  io.stderr.write(json ? `${JSON.stringify({ error: { code, message } })}\n` : `ttops: ${message}\n`);
  if (verbose) {
    for (let e: unknown = error; e instanceof Error; e = e.cause) io.stderr.write(`${e.stack}\n`);
  }
  return known ? error.exitCode : EXIT.internal;
}
