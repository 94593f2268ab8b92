/**
 * The real `ttops worker` processes of a chaos run: started from the built binary with a
 * clean environment, SIGKILLed and replaced on demand, watched for exits nobody asked for
 * (a crash is a finding, and the fleet replaces the worker so the run can still finish),
 * their `worker loop error` log lines counted, and stopped gracefully at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, cleanEnv } from '../helpers/cli.js';
import type { UnexpectedExit } from './chaos-report.js';

interface WorkerProcess {
  instance: number;
  child: ChildProcess;
  expectedExit: boolean;
  ready: boolean;
  tail: string;
}

/** The `ttops worker` processes: start, SIGKILL and replace, count their loop errors, stop. */
export class WorkerFleet {
  readonly live = new Map<number, WorkerProcess>();
  readonly unexpected: UnexpectedExit[] = [];
  readonly errors: Record<string, number> = {};
  /** The same errors by `during: message` (cut short), to tell an outage from a deadlock. */
  readonly errorMessages: Record<string, number> = {};
  started = 0;
  /** Replacements that exited before they were running (e.g. started while the database was down). */
  startFailures = 0;
  private next = 1;
  private closing = false;

  constructor(
    private readonly env: Record<string, string>,
    private readonly note: (what: string) => void,
  ) {}

  /** Starts one worker and resolves once it says it is running. */
  spawn(): Promise<void> {
    const instance = this.next++;
    this.started++;
    const child = spawn(BIN, ['worker', '--id', String(instance)], { env: cleanEnv(this.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const w: WorkerProcess = { instance, child, expectedExit: false, ready: false, tail: '' };
    this.live.set(instance, w);
    return new Promise((resolve) => {
      // stderr: the "running" line and crashes; stdout: pino's JSON log lines.
      for (const stream of [child.stdout!, child.stderr!]) {
        let buffered = '';
        stream.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          w.tail = (w.tail + chunk.toString('utf8')).slice(-6000);
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            if (/ttops worker \S+ running/.test(line)) {
              w.ready = true;
              resolve();
            }
            const during = /"msg":"worker loop error"/.test(line) ? /"during":"(\w+)"/.exec(line)?.[1] : undefined;
            if (during) this.errors[during] = (this.errors[during] ?? 0) + 1;
            if (during) {
              const message = (/"message":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? '?').replace(/^PostgreSQL is unreachable — [^:]*: /, 'unreachable: ').slice(0, 100);
              this.errorMessages[`${during}: ${message}`] = (this.errorMessages[`${during}: ${message}`] ?? 0) + 1;
            }
          }
        });
      }
      child.on('exit', (code, signal) => {
        this.live.delete(instance);
        resolve();
        if (w.expectedExit) return;
        if (w.ready) {
          this.unexpected.push({ instance, code, signal, stderrTail: w.tail });
          this.note(`worker ${instance} exited on its own (${signal ?? code})`);
        } else {
          this.startFailures++;
          this.note(`worker ${instance} failed to start (${signal ?? code}): ${w.tail.trim().split('\n').pop()?.slice(0, 200) ?? ''}`);
        }
        // Keep the run going so it can still end; a crash is reported as a failure.
        if (this.unexpected.length + this.startFailures < 30) {
          setTimeout(() => {
            if (!this.closing) void this.spawn();
          }, 1000).unref();
        }
      });
    });
  }

  /** SIGKILLs a random live worker, waits for it to die, and starts a replacement; false when none was running. */
  async killOne(rand: () => number): Promise<boolean> {
    const all = [...this.live.values()].filter((w) => w.ready);
    const victim = all[Math.floor(rand() * all.length)];
    if (!victim) return false;
    victim.expectedExit = true;
    const gone = new Promise((r) => victim.child.once('exit', r));
    victim.child.kill('SIGKILL');
    await gone;
    this.note(`SIGKILL worker ${victim.instance}`);
    await this.spawn();
    return true;
  }

  /** SIGTERM (graceful drain), then SIGKILL whatever is still there after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.live.values()].map(async (w) => {
        w.expectedExit = true;
        if (w.child.exitCode !== null || w.child.signalCode !== null) return;
        const gone = new Promise((r) => w.child.once('exit', r));
        w.child.kill('SIGTERM');
        const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
        await gone;
        clearTimeout(timer);
      }),
    );
  }
}
