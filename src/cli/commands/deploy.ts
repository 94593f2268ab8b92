/** `ttops deploy`: plan and run a release (or print the plan, or stage it under --root). */
import type { DeployOptions } from '../../ops/deploy/prepare.js';
import type { DeployResult } from '../../ops/deploy/run.js';
import { interruptible } from '../../ops/interrupt.js';
import { printResult, type GlobalOptions, type Io } from '../io.js';

/** Deploys; the plan with --dry-run, a summary otherwise. */
export async function runDeployCommand(io: Io, globals: GlobalOptions, options: DeployOptions): Promise<void> {
  const { printDeployPlan, runDeploy } = await import('../../ops/deploy/run.js');
  // Ctrl-C switches `current` back first when it had moved: give that (restart + gate) time.
  const outcome = await interruptible('deploy', () => runDeploy(io, globals, options), { graceMs: 180_000 });
  if ('files' in outcome) return printDeployPlan(io, outcome, globals.json);
  printResult(io, globals, outcome, () => renderDeployResult(outcome));
}

/** The summary people read. */
export function renderDeployResult(result: DeployResult): string {
  if (result.root) {
    const skipped = result.skipped.map((argv) => `  skipped: ${argv.join(' ')}`);
    return [`staged release ${result.release} under ${result.root}: ${result.written.length} files written, ${result.skipped.length} commands not run (--root)`, ...skipped].join('\n');
  }
  return `deployed release ${result.release} (ttops ${result.version}); health ${result.health} at ${result.url ?? 'n/a'}${result.previous ? `; previous release ${result.previous}` : ''}`;
}
