/**
 * Showing a multi-step ops command: a listr2 task list on a terminal, plain `==> step`
 * lines otherwise (CI logs, pipes). Steps write their progress to the Io they are given;
 * under listr2 that text becomes the task's output line instead of fighting the renderer.
 */
import { Writable } from 'node:stream';
import type { Io } from '../../cli/io.js';

/** One visible step. */
export interface Step {
  title: string;
  run(io: Io): Promise<void>;
}

/** Runs steps in order; the first failure stops the rest and is rethrown. */
export async function runSteps(steps: readonly Step[], options: { io: Io; fancy: boolean }): Promise<void> {
  const { io } = options;
  if (!options.fancy) {
    for (const step of steps) {
      io.stderr.write(`==> ${step.title}\n`);
      await step.run(io);
    }
    return;
  }
  const { Listr } = await import('listr2');
  const list = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_ctx: unknown, task: { output: string }) => {
        const lines = new Writable({
          write(chunk, _encoding, done) {
            const text = String(chunk).trimEnd();
            if (text) task.output = text.split('\n').slice(-1)[0];
            done();
          },
        });
        await step.run({ ...io, stderr: lines });
      },
    })),
    { exitOnError: true, concurrent: false, registerSignalListeners: false, rendererOptions: { collapseErrors: false } },
  );
  await list.run();
}

/** Whether to draw a task list: a terminal on stderr and stdout, colour allowed, no --json. */
export function wantsFancy(io: Io, options: { json: boolean; color: boolean }): boolean {
  return io.isTty && !options.json && options.color && Boolean((process.stderr as { isTTY?: boolean }).isTTY) && io.stderr === process.stderr;
}
