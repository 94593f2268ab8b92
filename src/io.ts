/**
 * What a command or an ops action may touch of the outside world, injectable for tests:
 * output streams, environment, working directory, and whether stdout is a terminal. The
 * CLI builds one from the process; ops code takes it and the few output choices it needs.
 */

/** The window on the process. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  isTty: boolean;
}

/** How results should come out, and which env file was named: all that ops code reads of the flags. */
export interface OutputOptions {
  /** Results as JSON on stdout, nothing else. */
  json: boolean;
  /** Colour and spinners allowed (a terminal, no NO_COLOR/--no-color). */
  color: boolean;
  /** The env file named on the command line, if any. */
  envFile?: string;
}

/** The real process's Io. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), isTty: Boolean(process.stdout.isTTY) };
}

/** Prints a message for people (stderr, never parsed). */
export function say(io: Pick<Io, 'stderr'>, text: string): void {
  io.stderr.write(`${text}\n`);
}
