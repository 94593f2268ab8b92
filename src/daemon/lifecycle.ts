/**
 * Daemons own their lifecycle: every resource registers its cleanup, cleanups run
 * last-in first-out, the first SIGTERM/SIGINT drains, a second one forces, and a watchdog
 * bounds the wait so a stuck cleanup cannot keep a unit from stopping.
 */
import type { EventEmitter } from 'node:events';

/** Exit codes a daemon ends with. */
export const DAEMON_EXIT = { drained: 0, forced: 130 } as const;

interface Cleanup {
  name: string;
  run: () => Promise<void> | void;
}

/** Collects cleanups and runs them on the first signal. */
export class Lifecycle {
  private readonly cleanups: Cleanup[] = [];
  private stopping?: Promise<number>;
  /** Signals received so far (a second one means "force"). */
  signalsSeen = 0;

  constructor(private readonly onError: (name: string, error: unknown) => void = () => {}) {}

  /** Registers a cleanup; it runs before those registered earlier. */
  add(name: string, run: () => Promise<void> | void): void {
    this.cleanups.push({ name, run });
  }

  /** Runs every cleanup once (LIFO); errors are reported, never thrown. */
  shutdown(): Promise<number> {
    this.stopping ??= (async () => {
      for (const cleanup of [...this.cleanups].reverse()) {
        try {
          await cleanup.run();
        } catch (error) {
          this.onError(cleanup.name, error);
        }
      }
      return DAEMON_EXIT.drained;
    })();
    return this.stopping;
  }

  /** A second signal: give cleanups a brief moment to release work, then exit regardless. */
  private async forceThenDone(done: (code: number) => void): Promise<void> {
    await Promise.race([this.shutdown(), new Promise((r) => setTimeout(r, 2000).unref())]);
    done(DAEMON_EXIT.forced);
  }

  /**
   * Resolves with the exit code once the daemon should end: after a drained shutdown, or
   * at once when a second signal arrives or the watchdog fires first.
   */
  untilSignal(emitter: EventEmitter = process, graceMs = 30_000, onSignal: (signal: string) => void = () => {}): Promise<number> {
    return new Promise((resolve) => {
      let signals = 0;
      const handler = (signal: string) => {
        signals += 1;
        this.signalsSeen = signals;
        onSignal(signal);
        if (signals > 1) return void this.forceThenDone(done);
        const watchdog = setTimeout(() => done(DAEMON_EXIT.forced), graceMs);
        watchdog.unref();
        void this.shutdown().then((code) => {
          clearTimeout(watchdog);
          // A second signal during the drain means the stop was forced, even if the drain then finished.
          done(signals > 1 ? DAEMON_EXIT.forced : code);
        });
      };
      let settled = false;
      const done = (code: number) => {
        if (settled) return;
        settled = true;
        emitter.off('SIGTERM', handler);
        emitter.off('SIGINT', handler);
        resolve(code);
      };
      emitter.on('SIGTERM', handler);
      emitter.on('SIGINT', handler);
    });
  }
}
