/**
 * Progress of ops work that takes seconds (backup create/verify/restore, deploy), for people
 * and on stderr: listr2's task list with live sizes and timers on a colour terminal, one
 * plain `==> step` line (and a `done` line with size and time) per step elsewhere, and
 * nothing at all with `--json`, whose only output is the JSON result. Knows nothing of the
 * CLI: the caller says which of the three it wants.
 */
import { statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { throwIfInterrupted } from './interrupt.js';

/** How progress is shown. */
export interface ProgressOptions {
  /** Where people read it (stderr). */
  stream: NodeJS.WritableStream;
  /** A terminal with colour: draw listr2's task list (else plain lines). */
  fancy: boolean;
  /** `--json`: show nothing. */
  quiet: boolean;
}

/** Progress that shows nothing (a safety backup inside restore, library callers). */
export const NO_PROGRESS: ProgressOptions = { stream: process.stderr, fancy: false, quiet: true };

/** What a running step may tell the operator. */
export interface StepHandle {
  /** What the step has done so far ("db 12.3 MB"): live on a terminal. */
  detail(text: string): void;
  /** The step's own output lines (the runner's "run …" lines); the last one shows on a terminal. */
  stream: NodeJS.WritableStream;
}

/** One visible step. `run` returns the detail shown when it ends (sizes, counts), if any. */
export interface ProgressStep {
  title: string;
  run(step: StepHandle): Promise<string | void>;
}

/** Runs steps in order, showing them; the first failure stops the rest and is rethrown. */
export async function runProgress(steps: readonly ProgressStep[], options: ProgressOptions): Promise<void> {
  for (const step of steps) await showStep(step.title, step.run, options);
}

/**
 * Runs one step and shows it (a one-task list on a terminal, two plain lines otherwise);
 * returns what the step returned. Lets code with branches and per-step error handling
 * (restore) show its steps one at a time.
 */
export async function showStep<T extends string | void>(title: string, run: (step: StepHandle) => Promise<T>, options: ProgressOptions): Promise<T> {
  throwIfInterrupted();
  if (options.quiet) return run({ detail() {}, stream: nullStream() });
  if (!options.fancy) {
    const out = options.stream;
    out.write(`==> ${title}\n`);
    const started = Date.now();
    const detail = await run({ detail() {}, stream: out });
    out.write(`    done in ${elapsed(Date.now() - started)}${detail ? `: ${detail}` : ''}\n`);
    return detail;
  }
  const { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } = await import('listr2');
  const stream = options.stream as NodeJS.WriteStream;
  let result!: T;
  const list = new Listr(
    [
      {
        title,
        task: async (_ctx: unknown, task: { output: string; title: string }) => {
          const lines = new Writable({
            write(chunk, _encoding, done) {
              const text = String(chunk).trimEnd();
              if (text) task.output = text.split('\n').slice(-1)[0];
              done();
            },
          });
          result = await run({ detail: (text) => (task.output = text), stream: lines });
          if (result) task.title = `${title}: ${result}`;
        },
      },
    ],
    {
      exitOnError: true,
      registerSignalListeners: false,
      // Everything for people goes to stderr; stdout carries the result alone.
      rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream) }), collapseErrors: false, showErrorMessage: false, timer: PRESET_TIMER },
    },
  );
  await list.run();
  return result;
}

/** `1.4 s`, `2 min 05 s`. */
export function elapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Reports the growing sizes of files a step is writing (`label` → path) every `everyMs`
 * while `work` runs, through `step.detail`; returns work's result.
 */
export async function watchSizes<T>(step: StepHandle, files: Record<string, string>, work: Promise<T>, format: (bytes: number) => string, everyMs = 500): Promise<T> {
  const show = () => step.detail(Object.entries(files).map(([label, file]) => `${label} ${format(sizeOf(file))}`).join(', '));
  const timer = setInterval(show, everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function nullStream(): NodeJS.WritableStream {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
