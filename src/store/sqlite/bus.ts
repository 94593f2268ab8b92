/**
 * The bus on SQLite: processes sharing the file append to `bus_messages` and each reads the
 * rows after its own cursor. A reader looks only when `PRAGMA data_version` says another
 * connection committed something, so an idle bus costs one pragma per tick.
 */
import { BUS_ROW_TTL_MS, deliver, newOrigin, type Bus, type BusMessage } from '../bus.js';
import type { SqliteDb } from './db.js';

/** How often subscribers look for new rows: the cross-process latency bound. */
const TICK_MS = 20;

interface Row {
  id: number;
  topic: string;
  origin: string;
  payload: string;
}

/** The SQLite bus of one store. */
export class SqliteBus implements Bus {
  readonly origin = newOrigin();
  private readonly listeners = new Set<(message: BusMessage) => void>();
  private timer?: NodeJS.Timeout;
  /** The last row read; -1 until the table exists (a prod `serve` may start before `migrate up`). */
  private cursor = -1;
  private dataVersion = -1;
  private lastPrune = 0;
  /** Published rows not yet written (see `publish`). */
  private pending: { topic: string; payload: string; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly db: SqliteDb) {}

  /**
   * Queues the row; everything published in one turn of the event loop is written in one
   * transaction (one commit instead of one per message: the commit was most of a live
   * event's bus cost). Resolves once written, in publish order.
   */
  publish(topic: string, data: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ topic, payload: JSON.stringify(data), resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.db.transaction(() => {
        const insert = this.db.prepare('INSERT INTO bus_messages (topic, origin, payload) VALUES (?, ?, ?)');
        for (const row of batch) insert.run(row.topic, this.origin, row.payload);
      })();
    } catch (error) {
      for (const row of batch) row.reject(error);
      return;
    }
    for (const row of batch) row.resolve();
    const now = Date.now();
    if (now - this.lastPrune > BUS_ROW_TTL_MS / 2) {
      this.lastPrune = now;
      this.db.prepare(`DELETE FROM bus_messages WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)`).run(`-${BUS_ROW_TTL_MS / 1000} seconds`);
    }
  }

  async subscribe(listener: (message: BusMessage) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    if (!this.timer) {
      this.startCursor();
      this.timer = setInterval(() => this.poll(), TICK_MS);
      this.timer.unref();
    }
    return async () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Stops reading (the store closes). */
  close(): void {
    if (this.pending.length && this.db.open) this.flush();
    this.listeners.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Starts reading after what is there now; leaves the cursor unset while the table is missing. */
  private startCursor(): void {
    try {
      this.cursor = (this.db.prepare('SELECT coalesce(max(id), 0) AS id FROM bus_messages').get() as { id: number }).id;
    } catch {
      this.cursor = -1;
    }
  }

  private poll(): void {
    if (!this.db.open) return;
    if (this.cursor < 0) return this.startCursor();
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    let rows: Row[];
    try {
      rows = this.db.prepare('SELECT id, topic, origin, payload FROM bus_messages WHERE id > ? ORDER BY id').all(this.cursor) as Row[];
    } catch {
      return; // busy or closing: the next tick tries again
    }
    for (const row of rows) {
      this.cursor = row.id;
      if (row.origin === this.origin) continue;
      deliver(this.listeners, { topic: row.topic, origin: row.origin, data: JSON.parse(row.payload) });
    }
  }
}
