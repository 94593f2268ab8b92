/**
 * Live sessions of `serve`: one upstream connection per streamer across every process on
 * the database. A process wants a streamer while it has their sockets (and for a grace
 * period after the last leaves); a wanting process takes the streamer's lease, renews it
 * while it wants it, and lets go after; one that finds the lease held looks again every
 * `leaseTickMs`, so it takes over within about one lease period when the holder dies or
 * lets go. Only the holder runs the source. Every process remembers each streamer's last
 * status (from `live:out`) to greet new sockets with it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Events } from '../events.js';
import type { AccountStore, LiveStore, UserRecord } from '../store/types.js';
import { leaseTickMs, planLease, type LeaseDecision } from './lease.js';
import type { LivePipeline } from './pipeline.js';
import type { ServerMessage, StatusMessage } from './protocol.js';
import { RecorderRegistry, SessionRecorder, RECORDER_DEFAULTS } from './sessions-recorder.js';
import { followSource, statusMessage } from './sessions-runner.js';
import type { ConfiguredSource } from './sessions-source.js';
import { sleep } from './source.js';

/** Shown while a streamer has no TikTok username. */
export const NO_USERNAME = 'Set your TikTok username (tiktok_username in PATCH /v2/auth/me) to follow your LIVE.';

/** What the session manager needs. */
export interface LiveSessionsDeps {
  store: LiveStore & Pick<AccountStore, 'findUserById'>;
  events: Events;
  pipeline: Pick<LivePipeline, 'process' | 'forget'>;
  recorders: RecorderRegistry;
  /** The upstream source (resolved once, lazily). */
  source: () => Promise<ConfiguredSource>;
  leaseMs: number;
  graceMs: number;
  /** How long a holder without a username or source, or after a stream ended, waits before looking again. */
  recheckMs?: number;
  /** This process's name in `live_leases.holder`. */
  holder?: string;
  onError?: (error: unknown, during: string) => void;
}

interface Want {
  wants: boolean;
  grace?: NodeJS.Timeout;
  next?: NodeJS.Timeout;
  ticking: boolean;
  running?: { abort: AbortController; done: Promise<void> };
}

/** A holder id that says where it runs: host, pid, and a random part for restarts. */
export function newHolderId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

/** The live sessions of one process. */
export class LiveSessions {
  readonly holder: string;
  private readonly wanted = new Map<number, Want>();
  private readonly statuses = new Map<number, StatusMessage>();
  private readonly stopListening: (() => void)[];
  private sourcePromise?: Promise<ConfiguredSource>;
  private closing = false;

  constructor(private readonly deps: LiveSessionsDeps) {
    this.holder = deps.holder ?? newHolderId();
    this.stopListening = [
      deps.events.on('live:out', ({ userId, messages }) => {
        for (const m of messages) if (m.type === 'status') this.statuses.set(userId, m);
      }),
      deps.events.on('live:status-asked', ({ userId }) => {
        const known = this.statuses.get(userId);
        if (this.wanted.get(userId)?.running && known) deps.events.broadcast('live:out', { userId, messages: [known] });
      }),
    ];
  }

  /** The hub's presence callbacks. */
  readonly presence = {
    joined: (userId: number) => this.joined(userId),
    left: (userId: number) => this.left(userId),
  };

  /** The first message of a new socket: the streamer's current status, as far as this process can tell. */
  async greeting(user: UserRecord): Promise<ServerMessage[]> {
    const known = this.statuses.get(user.id);
    if (known) return [known];
    const view = await this.deps.store.findLiveLease(user.id).catch(() => null);
    // A status that arrived during the lookup went to sockets this one is not among yet.
    const arrived = this.statuses.get(user.id);
    if (arrived) return [arrived];
    if (view?.lease && view.lease.holder !== this.holder && view.lease.until > view.now) {
      // Another process follows this streamer; it answers with the real status.
      this.deps.events.broadcast('live:status-asked', { userId: user.id });
      return [statusMessage('connecting')];
    }
    return [statusMessage('offline')];
  }

  /** Whether this process holds (and runs) the streamer's session: tests and metrics. */
  /** How many upstream sessions this process runs now (metrics). */
  get runningCount(): number {
    let n = 0;
    for (const w of this.wanted.values()) if (w.running) n += 1;
    return n;
  }

  isRunning(userId: number): boolean {
    return Boolean(this.wanted.get(userId)?.running);
  }

  /** Stops every session here, ends their recordings and lets go of their leases. */
  async close(): Promise<void> {
    this.closing = true;
    for (const stop of this.stopListening) stop();
    await Promise.all(
      [...this.wanted].map(async ([userId, w]) => {
        clearTimeout(w.grace);
        clearTimeout(w.next);
        w.wants = false;
        await this.stop(userId, w, true);
        await this.deps.store.releaseLiveLease(userId, this.holder).catch((error: unknown) => this.deps.onError?.(error, 'lease release'));
      }),
    );
    this.wanted.clear();
  }

  private joined(userId: number): void {
    if (this.closing) return;
    const w = this.wanted.get(userId);
    if (w) {
      clearTimeout(w.grace);
      w.grace = undefined;
      w.wants = true;
      return;
    }
    this.wanted.set(userId, { wants: true, ticking: false });
    void this.tick(userId);
  }

  private left(userId: number): void {
    const w = this.wanted.get(userId);
    if (!w || this.closing) return;
    clearTimeout(w.grace);
    w.grace = setTimeout(() => {
      w.grace = undefined;
      w.wants = false;
      clearTimeout(w.next);
      void this.tick(userId);
    }, this.deps.graceMs);
    w.grace.unref();
  }

  /** One look at the lease: decide, apply, and schedule the next look while it matters. */
  private async tick(userId: number): Promise<void> {
    const w = this.wanted.get(userId);
    if (!w || w.ticking || this.closing) return;
    w.ticking = true;
    let decision: LeaseDecision = 'none';
    try {
      const view = await this.deps.store.findLiveLease(userId);
      decision = planLease(view.now, view.lease, this.holder, w.wants);
      if (decision === 'take' || decision === 'renew') {
        const held = await this.deps.store.takeLiveLease(userId, this.holder, this.deps.leaseMs);
        if (held && !w.running && !this.closing) this.start(userId, w);
        if (!held) await this.stop(userId, w, false);
      } else if (decision === 'wait') {
        await this.stop(userId, w, false);
      } else if (decision === 'release') {
        await this.stop(userId, w, true);
        await this.deps.store.releaseLiveLease(userId, this.holder);
      }
    } catch (error) {
      this.deps.onError?.(error, 'lease');
    } finally {
      w.ticking = false;
    }
    if (this.closing) return;
    if (w.wants || (w.running && decision !== 'release')) {
      clearTimeout(w.next);
      w.next = setTimeout(() => void this.tick(userId), leaseTickMs(this.deps.leaseMs));
      w.next.unref();
    } else if (!w.running && !w.grace && this.wanted.get(userId) === w) {
      this.wanted.delete(userId);
    }
  }

  private start(userId: number, w: Want): void {
    const abort = new AbortController();
    const done = this.run(userId, abort.signal).catch((error: unknown) => this.deps.onError?.(error, 'live source'));
    w.running = { abort, done };
  }

  /**
   * Stops the source if it runs here. Letting go (`announce`) tells the sockets nobody follows
   * the stream now; a lost lease says nothing, since the new holder may have spoken already.
   */
  private async stop(userId: number, w: Want, announce: boolean): Promise<void> {
    const running = w.running;
    if (!running) return;
    w.running = undefined;
    running.abort.abort();
    await running.done;
    this.deps.pipeline.forget(userId);
    if (announce && this.statuses.get(userId)?.status !== 'offline') this.setStatus(userId, statusMessage('offline'));
  }

  /** The holder's loop: follow the streamer's handle with the source, again after each stream, until stopped. */
  private async run(userId: number, signal: AbortSignal): Promise<void> {
    const recheckMs = this.deps.recheckMs ?? 30_000;
    this.sourcePromise ??= this.deps.source();
    while (!signal.aborted) {
      const user = await this.deps.store.findUserById(userId);
      const configured = await this.sourcePromise;
      if (!user?.tiktokUsername || !configured.source) {
        this.setStatus(userId, statusMessage('offline', !user?.tiktokUsername ? NO_USERNAME : (configured as { detail: string }).detail));
        if (!(await sleep(recheckMs, signal))) return;
        continue;
      }
      const recorder = new SessionRecorder(this.deps.store, userId, user.tiktokUsername, configured.source.name, {
        ...RECORDER_DEFAULTS,
        onError: (error) => this.deps.onError?.(error, 'session stats'),
      });
      this.deps.recorders.add(recorder);
      try {
        await followSource({
          userId,
          handle: user.tiktokUsername,
          source: configured.source,
          pipeline: this.deps.pipeline,
          recorder,
          findUser: (id) => this.deps.store.findUserById(id),
          onStatus: (message) => this.setStatus(userId, message),
          signal,
        });
      } finally {
        await recorder.close();
        this.deps.recorders.remove(recorder);
      }
      if (!(await sleep(recheckMs, signal))) return;
    }
  }

  /** Sends a status to every socket of the streamer unless it is the one they have. */
  private setStatus(userId: number, message: StatusMessage): void {
    const known = this.statuses.get(userId);
    if (known && known.status === message.status && known.detail === message.detail) return;
    this.deps.events.broadcast('live:out', { userId, messages: [message] });
  }
}
