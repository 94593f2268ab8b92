/**
 * The one typed event map that ties the worker, the API and (later) the hub and the bot
 * together. Names are `noun:verb`. Emitting never throws: a failing listener is reported
 * on `listener:error` and the loop that emitted goes on.
 */
import { EventEmitter } from 'node:events';
import type { ServerMessage } from './live/protocol.js';
import type { Bus } from './store/bus.js';
import type { JobRecord } from './store/types.js';

/** Every event ttops emits, with its payload. */
export interface EventMap {
  /** A worker claimed a job and its handler starts now. */
  'job:start': { job: JobRecord; workerId: string; at: number };
  /** A handler finished; `status` is what the job became. */
  'job:finish': { job: JobRecord; workerId: string; status: JobRecord['status']; ms: number };
  /** A handler threw; the job is retried with backoff. */
  'job:error': { job: JobRecord; workerId: string; error: unknown };
  /** A transition could not be recorded: another worker holds the job now. */
  'job:lease-lost': { jobId: number; workerId: string };
  /** A worker's loop hit a store or provider error it will retry. */
  'worker:error': { workerId: string; error: unknown; during: string };
  /** A listener threw. */
  'listener:error': { event: string; error: unknown };
}

/**
 * Events that cross processes (through the store's bus): `broadcast` emits them here and in
 * every other process on the database. Payloads are plain JSON.
 */
export interface SharedEventMap {
  /** A test message: the bus round trip in tests and health probes. */
  'bus:ping': { from: string; at: number };
  /** Messages for every WebSocket of a streamer, on whichever process holds them. */
  'live:out': { userId: number; messages: ServerMessage[] };
  /** A streamer's triggers changed: processes running their live session reload them. */
  'triggers:changed': { userId: number };
  /** A process greeted a socket without knowing the streamer's live status: the lease holder sends it again on `live:out`. */
  'live:status-asked': { userId: number };
}

/** Bus topic prefix of shared events (other bus topics are not events). */
const SHARED_PREFIX = 'event:';

/** Every event: the local ones and the shared ones. */
export type AllEvents = EventMap & SharedEventMap;

/** A typed emitter whose listeners cannot break the emitter. */
export class Events {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private bus?: Bus;

  on<K extends keyof AllEvents>(event: K, listener: (payload: AllEvents[K]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  emit<K extends keyof AllEvents>(event: K, payload: AllEvents[K]): void {
    for (const listener of this.emitter.listeners(event)) {
      try {
        (listener as (p: AllEvents[K]) => void)(payload);
      } catch (error) {
        if (event !== 'listener:error') this.emit('listener:error', { event, error });
      }
    }
  }

  /**
   * Emits a shared event here at once and publishes it to every other process. A bus that
   * is down loses the remote copy only: it is reported on `listener:error`, never thrown.
   */
  broadcast<K extends keyof SharedEventMap>(event: K, payload: SharedEventMap[K]): void {
    this.emit(event, payload as AllEvents[K]);
    this.bus?.publish(`${SHARED_PREFIX}${event}`, payload).catch((error: unknown) => this.emit('listener:error', { event, error }));
  }

  /** Feeds shared events from other processes into this emitter until the returned function is called. */
  async connect(bus: Bus): Promise<() => Promise<void>> {
    this.bus = bus;
    const stop = await bus.subscribe((message) => {
      if (!message.topic.startsWith(SHARED_PREFIX)) return;
      this.emit(message.topic.slice(SHARED_PREFIX.length) as keyof SharedEventMap, message.data as AllEvents[keyof SharedEventMap]);
    });
    return async () => {
      this.bus = undefined;
      await stop();
    };
  }
}
