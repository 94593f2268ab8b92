/** `ttops rollback`: return `current` to the previous (or a named) release. */
import type { RollbackOptions } from '../../ops/release/rollback.js';
import { printResult, type GlobalOptions, type Io } from '../io.js';

/** Rolls back and prints where `current` points now. */
export async function runRollbackCommand(io: Io, globals: GlobalOptions, options: RollbackOptions): Promise<void> {
  const { runRollback } = await import('../../ops/release/rollback.js');
  const result = await runRollback(io, globals, options);
  printResult(io, globals, result, () => `current is release ${result.release} again (was ${result.previous ?? 'none'}); health ${result.health}`);
}
