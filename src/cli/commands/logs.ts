/** `ttops logs`: the units' journal, followed with -f; where there is no journald, says where logs are. */
import { EXIT } from '../../errors.js';
import { journalctlArgv, journalctlBin, journaldUnavailable, journaldUsable, type LogOutput, type LogTarget } from '../../ops/logs/journal.js';
import { runInherited } from '../../ops/logs/run.js';
import { commandConfig } from '../context.js';
import { say, type GlobalOptions, type Io } from '../io.js';

/** Flags of `ttops logs`. */
export interface LogsOptions {
  follow?: boolean;
  lines: number;
  since?: string;
  output: LogOutput;
}

/** Hands the terminal to journalctl (output goes straight to this process's stdout). */
export async function runLogs(io: Io, globals: GlobalOptions, target: LogTarget | undefined, options: LogsOptions): Promise<number> {
  const config = commandConfig(io, globals);
  if (!journaldUsable(config)) throw journaldUnavailable();
  const argv = journalctlArgv(journalctlBin(config), { target: target ?? 'all', follow: Boolean(options.follow), lines: options.lines, since: options.since, output: options.output });
  if (globals.verbose) say(io, `running ${argv.join(' ')}`);
  return (await runInherited(argv)) === 0 ? EXIT.ok : EXIT.failure;
}
