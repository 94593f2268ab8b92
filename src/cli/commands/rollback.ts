/** `ttops rollback`: return `current` to the previous (or a named) release. */
import type { RollbackOptions } from '../../ops/release/rollback.js';
import { interruptible } from '../../ops/interrupt.js';
import { printResult, type GlobalOptions, type Io } from '../io.js';

/** Rolls back and prints where `current` points now. */
export async function runRollbackCommand(io: Io, globals: GlobalOptions, options: RollbackOptions): Promise<void> {
  const { runRollback } = await import('../../ops/release/rollback.js');
  const result = await interruptible('rollback', () => runRollback(io, globals, options), { graceMs: 60_000 });
  printResult(io, globals, result, () => `current is release ${result.release} again (was ${result.previous ?? 'none'}); health ${result.health}`);
}
