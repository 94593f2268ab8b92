/**
 * Showing a multi-step deploy or rollback through src/ops/progress.ts: a listr2 task list on
 * a terminal, plain `==> step` lines otherwise (CI logs, pipes), nothing with --json. Steps
 * write their progress to the Io they are given; under listr2 that text becomes the task's
 * output line instead of fighting the renderer.
 */
import type { Io } from '../../io.js';
import { runProgress } from '../progress.js';

/** One visible step. */
export interface Step {
  title: string;
  run(io: Io): Promise<void>;
}

/** Runs steps in order; the first failure stops the rest and is rethrown. */
export async function runSteps(steps: readonly Step[], options: { io: Io; fancy: boolean; quiet?: boolean }): Promise<void> {
  const { io } = options;
  await runProgress(
    steps.map((step) => ({ title: step.title, run: async (handle) => step.run({ ...io, stderr: handle.stream }) })),
    { stream: io.stderr, fancy: options.fancy, quiet: Boolean(options.quiet) },
  );
}

/** Whether to draw a task list: a terminal on stderr and stdout, colour allowed, no --json. */
export function wantsFancy(io: Io, options: { json: boolean; color: boolean }): boolean {
  return io.isTty && !options.json && options.color && Boolean((process.stderr as { isTTY?: boolean }).isTTY) && io.stderr === process.stderr;
}
