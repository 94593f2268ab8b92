/**
 * Ctrl-C (SIGINT) and SIGTERM during ops work. A command runs its work inside
 * `interruptible()`: the first signal aborts the work's AbortSignal (the runner kills the
 * child it is waiting on), waits a bounded time for the work to unwind, then runs every
 * registered cleanup last-in first-out and throws InterruptedError (exit 130, one line).
 * A second signal stops waiting. Whoever makes a temp file or folder registers its removal
 * right there (`removeOnInterrupt`), so nothing half-written outlives the command.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { rmSync } from 'node:fs';
import { InterruptedError } from '../errors.js';

/** The work stopped because of a signal: exit 130 (128 + SIGINT), as shells report it (the one class in src/errors.ts). */
export { InterruptedError };

interface Cleanup {
  run: () => void | Promise<void>;
  /** What the operator is told was undone, e.g. "removed the unfinished backup .tmp-…". */
  note?: string;
}

interface Scope {
  controller: AbortController;
  cleanups: Cleanup[];
}

const storage = new AsyncLocalStorage<Scope | undefined>();

/** The abort signal of the interruptible work running now (undefined outside one). */
export function currentSignal(): AbortSignal | undefined {
  return storage.getStore()?.controller.signal;
}

/** Whether the work running now has been interrupted. */
export function isInterrupted(): boolean {
  return currentSignal()?.aborted ?? false;
}

/** Throws the InterruptedError when the work running now has been interrupted (a checkpoint between steps). */
export function throwIfInterrupted(): void {
  currentSignal()?.throwIfAborted();
}

/**
 * Registers a cleanup that runs only if the work is interrupted; returns the function that
 * unregisters it (call it once the thing is renamed into place or removed anyway).
 */
export function onInterrupt(run: () => void | Promise<void>, note?: string): () => void {
  const scope = storage.getStore();
  if (!scope) return () => {};
  const cleanup: Cleanup = { run, note };
  scope.cleanups.push(cleanup);
  return () => {
    const i = scope.cleanups.indexOf(cleanup);
    if (i >= 0) scope.cleanups.splice(i, 1);
  };
}

/** Registers removal of a temp file or folder on interrupt; returns the unregister function. */
export function removeOnInterrupt(target: string, note?: string): () => void {
  return onInterrupt(() => rmSync(target, { recursive: true, force: true }), note);
}

/**
 * Runs work that must finish even after an interrupt (switching a release back, starting
 * stopped units again): commands inside see no abort signal.
 */
export function shielded<T>(work: () => Promise<T>): Promise<T> {
  return storage.run(undefined, work);
}

/** How `interruptible` waits. */
export interface InterruptOptions {
  /** How long the work may take to unwind after the first signal before cleanups run anyway. */
  graceMs?: number;
  /** Where signals come from (tests emit on their own emitter). */
  source?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `work` so that SIGINT/SIGTERM end it cleanly. `what` names the work in the one line
 * shown ("backup create was interrupted"). The work may throw its own InterruptedError with
 * a better sentence (deploy says where `current` points); otherwise one is made here.
 */
export async function interruptible<T>(what: string, work: () => Promise<T>, options: InterruptOptions = {}): Promise<T> {
  const scope: Scope = { controller: new AbortController(), cleanups: [] };
  const source = options.source ?? process;
  let signalled: string | undefined;
  let force = () => {};
  const forced = new Promise<void>((resolve) => (force = resolve));
  const onSignal = (signal: string) => {
    if (signalled) return force();
    signalled = signal;
    scope.controller.abort(new InterruptedError(`${what} was interrupted (${signal})`));
  };
  const handlers = SIGNALS.map((s) => [s, () => onSignal(s)] as const);
  for (const [s, h] of handlers) source.on(s, h);
  const running = storage.run(scope, work);
  const settled = running.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  try {
    const aborted = new Promise<void>((resolve) => scope.controller.signal.addEventListener('abort', () => resolve(), { once: true }));
    const first = await Promise.race([settled, aborted.then(() => undefined)]);
    if (first && !signalled) return unwrap(first);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.graceMs ?? 10_000)));
    const outcome = await Promise.race([settled, forced.then(() => undefined), grace.then(() => undefined)]);
    clearTimeout(timer);
    // Finished anyway (the signal came during its last, uninterruptible moments): report what happened.
    if (outcome?.ok) return outcome.value;
    const notes = await drain(scope);
    if (outcome && !outcome.ok && outcome.error instanceof InterruptedError && outcome.error !== scope.controller.signal.reason) {
      throw outcome.error;
    }
    const undone = notes.length ? `; ${notes.join('; ')}` : '';
    const unfinished = outcome ? '' : '; it did not stop in time, so some of its work may still be running';
    throw new InterruptedError(`${what} was interrupted (${signalled})${undone}${unfinished}.`, { cause: outcome?.error });
  } finally {
    for (const [s, h] of handlers) source.off(s, h);
  }
}

function unwrap<T>(outcome: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

/** Runs the registered cleanups last-in first-out, each shielded; returns their notes. */
async function drain(scope: Scope): Promise<string[]> {
  const notes: string[] = [];
  while (scope.cleanups.length) {
    const cleanup = scope.cleanups.pop()!;
    try {
      await shielded(async () => cleanup.run());
      if (cleanup.note) notes.push(cleanup.note);
    } catch (error) {
      notes.push(`could not undo "${cleanup.note ?? 'a temp file'}": ${(error as Error).message}`);
    }
  }
  return notes;
}
