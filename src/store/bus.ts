/**
 * The store's bus: publish/subscribe between every process on one database — each `serve`
 * and each `ttops worker`, on one host or several. PostgreSQL carries it on LISTEN/NOTIFY,
 * SQLite on a table the processes sharing the file read. Delivery is at most once and only
 * to processes listening at the time: the bus tells, the tables remember.
 */
import { randomBytes } from 'node:crypto';

/** One message as it crosses processes. */
export interface BusMessage {
  topic: string;
  /** The publishing bus instance; a subscriber never receives its own messages back. */
  origin: string;
  data: unknown;
}

/** Publish/subscribe across processes. */
export interface Bus {
  /** This instance's id, stamped on what it publishes. */
  readonly origin: string;
  /** Sends `data` (JSON-serialisable) to every other process's subscribers. */
  publish(topic: string, data: unknown): Promise<void>;
  /** Calls `listener` for every message other processes publish, until the returned function is called. */
  subscribe(listener: (message: BusMessage) => void): Promise<() => Promise<void>>;
}

/** A fresh origin id for one bus instance. */
export function newOrigin(): string {
  return randomBytes(8).toString('hex');
}

/** Fans one message out to listeners; a throwing listener cannot stop the others. */
export function deliver(listeners: Iterable<(message: BusMessage) => void>, message: BusMessage): void {
  for (const listener of listeners) {
    try {
      listener(message);
    } catch {
      // Listeners report their own failures (Events routes them to listener:error).
    }
  }
}

/** How long published rows are kept for slow readers before they are pruned. */
export const BUS_ROW_TTL_MS = 60_000;
