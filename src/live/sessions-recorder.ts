/**
 * Records live sessions: one `live_sessions` row per stream with its stats, and the raw
 * events in `live_events`. Counters build up in memory and are written in batches (every
 * `flushMs`, when many events wait, and at the end), never one UPDATE per like. Only events
 * the session's source produced are recorded: simulated ones ("test my setup") pass through
 * the same pipeline but the recorder is not expecting them.
 */
import type { LiveEventInput, LiveStore } from '../store/types.js';
import type { StatsDelta } from './engine.js';
import type { LiveEvent } from './event.js';
import { addStats, newSessionStats, toTotals, type SessionStats } from './stats.js';

/** What the recorder needs from the store. */
export type RecorderStore = Pick<LiveStore, 'startLiveSession' | 'updateLiveSession' | 'addLiveEvents'>;

/** Recorder timings and bounds. */
export interface RecorderOptions {
  /** How often pending stats and events are written. */
  flushMs: number;
  /** Pending events that trigger an early write. */
  batch: number;
  /** Pending events kept while the store fails; older ones are dropped beyond this. */
  maxPending: number;
  /** Store failures go here (they never stop the live path). */
  onError?: (error: unknown) => void;
}

export const RECORDER_DEFAULTS: RecorderOptions = { flushMs: 1000, batch: 500, maxPending: 20_000 };

interface Current {
  id: Promise<number>;
  stats: SessionStats;
  events: LiveEventInput[];
  dirty: boolean;
}

/** Latest epoch ms PostgreSQL and ISO text both take (year 9999). */
const MAX_AT = 253_402_300_799_999;

/** The raw row of an event. */
export function toEventInput(event: LiveEvent): LiveEventInput {
  const at = Number.isFinite(event.at) && event.at >= 0 && event.at <= MAX_AT ? event.at : Date.now();
  return { msgId: event.msg_id, eventType: event.event_type, at: new Date(at).toISOString(), payload: JSON.stringify(event) };
}

/** The recorder of one streamer's stream, on the one process following it. */
export class SessionRecorder {
  private current?: Current;
  private expecting: string | null = null;
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: RecorderStore,
    readonly userId: number,
    private readonly uniqueId: string,
    private readonly source: string,
    private readonly options: RecorderOptions = RECORDER_DEFAULTS,
  ) {}

  /** Opens a session unless one is open (the source went live). */
  start(): void {
    if (this.current) return;
    const id = this.store.startLiveSession(this.userId, this.uniqueId, this.source).then((s) => s.id);
    const current: Current = { id, stats: newSessionStats(), events: [], dirty: true };
    id.catch((error: unknown) => {
      // No row to write to: the next live status or event opens a new one.
      if (this.current === current) this.current = undefined;
      this.options.onError?.(error);
    });
    this.current = current;
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), this.options.flushMs);
      this.timer.unref();
    }
  }

  /** Marks the next event the pipeline processes for this user as the source's (set before `process`, cleared after). */
  expect(msgId: string | null): void {
    this.expecting = msgId;
  }

  /** The pipeline's `onProcessed` for this user: counts the event if it is the one expected and not a duplicate. */
  observe(event: LiveEvent, stats: StatsDelta | null): void {
    if (this.expecting === null || event.msg_id !== this.expecting) return;
    this.expecting = null;
    if (!stats) return;
    this.start();
    const c = this.current!;
    addStats(c.stats, stats);
    c.events.push(toEventInput(event));
    c.dirty = true;
    if (c.events.length > this.options.maxPending) c.events.splice(0, c.events.length - this.options.maxPending);
    if (c.events.length >= this.options.batch) void this.flush();
  }

  /** Whether a session is open. */
  get open(): boolean {
    return this.current !== undefined;
  }

  /** Writes what is pending (resolves once written). */
  flush(): Promise<void> {
    const c = this.current;
    if (!c || !c.dirty) return this.chain;
    return this.enqueue(() => this.write(c, false));
  }

  /** Ends the open session: the last counters and `ended_at` (stream end, offline, lease lost). */
  end(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (!c) return this.chain;
    return this.enqueue(() => this.write(c, true));
  }

  /** Ends the session and stops the flush timer. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.end();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((error: unknown) => this.options.onError?.(error));
    return this.chain;
  }

  private async write(c: Current, end: boolean): Promise<void> {
    const id = await c.id;
    const events = c.events.splice(0);
    c.dirty = false;
    try {
      if (events.length) await this.store.addLiveEvents(id, events);
      await this.store.updateLiveSession(id, toTotals(c.stats), end);
    } catch (error) {
      // Keep the events for the next write; the counters are absolute, so a retry is exact.
      c.events.unshift(...events.slice(-this.options.maxPending));
      c.dirty = true;
      throw error;
    }
  }
}

/** The recorders running in this process, by user: what the pipeline's `onProcessed` hook feeds. */
export class RecorderRegistry {
  private readonly recorders = new Map<number, SessionRecorder>();

  /** Adds a recorder (one per user at a time). */
  add(recorder: SessionRecorder): void {
    this.recorders.set(recorder.userId, recorder);
  }

  /** Removes a user's recorder if it is this one. */
  remove(recorder: SessionRecorder): void {
    if (this.recorders.get(recorder.userId) === recorder) this.recorders.delete(recorder.userId);
  }

  /** The pipeline hook: routes a processed event to its user's recorder. */
  readonly onProcessed = (userId: number, event: LiveEvent, stats: StatsDelta | null): void => {
    this.recorders.get(userId)?.observe(event, stats);
  };
}
