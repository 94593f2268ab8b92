/**
 * The real `ttops serve --workers 0` processes of a chaos run's money traffic: one per
 * fixed loopback port (a provider's notify URL does not move when a server dies), started
 * with `node bin/ttops.js`, SIGKILLed and restarted on the same port on demand, and watched
 * for exits nobody asked for. A slot whose restart fails (PostgreSQL is down) tries again,
 * as systemd's Restart= would; meanwhile callers get connection errors and retry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN_JS, cleanEnv } from '../helpers/cli.js';
import { freePort } from '../helpers/private-pg.js';
import type { UnexpectedExit } from './chaos-report.js';

interface ServeSlot {
  index: number;
  port: number;
  child?: ChildProcess;
  ready: boolean;
  expectedExit: boolean;
  tail: string;
}

/** Serve processes on fixed ports: start, SIGKILL and restart, stop. */
export class ServeFleet {
  readonly unexpected: UnexpectedExit[] = [];
  started = 0;
  /** Starts that exited before listening (e.g. while PostgreSQL restarted); each is retried. */
  startFailures = 0;
  private readonly slots: ServeSlot[] = [];
  private closing = false;

  constructor(
    private readonly env: Record<string, string>,
    private readonly note: (what: string) => void,
  ) {}

  /** The base URLs, one per slot, whether or not its process is up right now. */
  get urls(): string[] {
    return this.slots.map((s) => `http://127.0.0.1:${s.port}`);
  }

  /** Opens `count` slots and resolves once every one listens. */
  async start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) this.slots.push({ index: i + 1, port: await freePort(), ready: false, expectedExit: false, tail: '' });
    await Promise.all(this.slots.map((s) => this.launch(s)));
  }

  /** Starts the slot's process; resolves when it listens, or after it gave up for good. */
  private launch(slot: ServeSlot): Promise<void> {
    this.started++;
    slot.ready = false;
    slot.expectedExit = false;
    slot.tail = '';
    const child = spawn(process.execPath, [BIN_JS, 'serve', '--host', '127.0.0.1', '--port', String(slot.port), '--workers', '0', '--no-bot'], { env: cleanEnv(this.env), stdio: ['ignore', 'pipe', 'pipe'] });
    slot.child = child;
    return new Promise((resolve) => {
      for (const stream of [child.stdout!, child.stderr!]) {
        stream.on('data', (chunk: Buffer) => {
          slot.tail = (slot.tail + chunk.toString('utf8')).slice(-6000);
          if (!slot.ready && /listening on http/.test(slot.tail)) {
            slot.ready = true;
            resolve();
          }
        });
      }
      child.on('exit', (code, signal) => {
        if (slot.child === child) slot.child = undefined;
        if (slot.expectedExit || this.closing) return resolve();
        if (slot.ready) {
          this.unexpected.push({ instance: slot.index, code, signal, stderrTail: slot.tail });
          this.note(`serve ${slot.index} exited on its own (${signal ?? code})`);
        } else {
          this.startFailures++;
          this.note(`serve ${slot.index} failed to start (${signal ?? code}): ${slot.tail.trim().split('\n').pop()?.slice(0, 200) ?? ''}`);
        }
        if (this.unexpected.length + this.startFailures >= 30) return resolve();
        setTimeout(() => {
          if (this.closing) return resolve();
          void this.launch(slot).then(resolve);
        }, 500).unref();
      });
    });
  }

  /** SIGKILLs a random listening serve and starts it again on its port; false when none was up. */
  async killOne(rand: () => number): Promise<boolean> {
    const up = this.slots.filter((s) => s.ready && s.child);
    const victim = up[Math.floor(rand() * up.length)];
    if (!victim?.child) return false;
    victim.expectedExit = true;
    const child = victim.child;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    this.note(`SIGKILL serve ${victim.index}`);
    await this.launch(victim);
    return true;
  }

  /** SIGTERM every serve, SIGKILL what is left after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        const child = slot.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        slot.expectedExit = true;
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await gone;
        clearTimeout(timer);
      }),
    );
  }
}
