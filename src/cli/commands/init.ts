/** `ttops init`: write the env file with generated secrets (flags with --yes, or prompts). */
import { runInit, renderInitResult, type InitOptions } from '../../ops/init/run.js';
import { printResult, type GlobalOptions, type Io } from '../io.js';

/** Runs init and prints where the file went and which secrets were generated. */
export async function runInitCommand(io: Io, globals: GlobalOptions, options: InitOptions): Promise<void> {
  const result = await runInit(io, globals, options);
  if (result.dry_run) return;
  printResult(io, globals, result, () => renderInitResult(result));
}
