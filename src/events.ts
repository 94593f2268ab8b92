/**
 * The one typed event map that ties the worker, the API and (later) the hub and the bot
 * together. Names are `noun:verb`. Emitting never throws: a failing listener is reported
 * on `listener:error` and the loop that emitted goes on.
 */
import { EventEmitter } from 'node:events';
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

/** A typed emitter whose listeners cannot break the emitter. */
export class Events {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  on<K extends keyof EventMap>(event: K, listener: (payload: EventMap[K]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  emit<K extends keyof EventMap>(event: K, payload: EventMap[K]): void {
    for (const listener of this.emitter.listeners(event)) {
      try {
        (listener as (p: EventMap[K]) => void)(payload);
      } catch (error) {
        if (event !== 'listener:error') this.emit('listener:error', { event, error });
      }
    }
  }
}
