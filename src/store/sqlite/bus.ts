/**
 * The bus on SQLite: processes sharing the database append to `bus_messages` in a file of its
 * own beside it (`ttops-bus.db` next to `ttops.db`) and each reads the rows after its own
 * cursor. A reader looks only when `PRAGMA data_version` says another connection committed
 * something, so an idle bus costs one pragma per tick.
 *
 * Why a file of its own: the bus is written on every live event, and its rows live a minute.
 * In the database file every one of those commits would count towards the WAL checkpoint,
 * whose copy and fsync run on the event loop of whichever process commits past the limit
 * (measured: ~6 ms of the live p99, BENCHMARKS.md). The bus file runs `synchronous = OFF`:
 * delivery is at most once anyway, so a power cut may lose messages, and a file such a cut
 * left unreadable is started afresh when opened. (Migration 0005 made a `bus_messages` table in
 * the database file too, from before the bus had a file of its own; nothing uses it now, and
 * dropping it waits for a migration step both engines take.)
 */
import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UnreachableError } from '../../errors.js';
import { BUS_ROW_TTL_MS, deliver, newOrigin, type Bus, type BusMessage } from '../bus.js';
import { cacheStatements, type SqliteDb } from './db.js';

/** How often subscribers look for new rows: the cross-process latency bound. */
const TICK_MS = 20;

interface Row {
  id: number;
  topic: string;
  origin: string;
  payload: string;
}

/** The bus file beside a database file: `ttops.db` → `ttops-bus.db`; an in-memory database gets an in-memory bus. */
export function busFileOf(databaseFile: string): string {
  if (databaseFile === ':memory:') return databaseFile;
  const { dir, name, ext } = path.parse(databaseFile);
  return path.join(dir, `${name}-bus${ext}`);
}

/** The SQLite bus of one store; its file is opened on the first publish or subscribe. */
export class SqliteBus implements Bus {
  readonly origin = newOrigin();
  private readonly listeners = new Set<(message: BusMessage) => void>();
  private timer?: NodeJS.Timeout;
  private opened?: SqliteDb;
  private cursor = 0;
  private dataVersion = -1;
  private lastPrune = 0;
  /** Published rows not yet written (see `publish`). */
  private pending: { topic: string; payload: string; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly file: string) {}

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
    const now = Date.now();
    try {
      const db = this.db();
      db.transaction(() => {
        const insert = db.prepare('INSERT INTO bus_messages (topic, origin, payload, created_at) VALUES (?, ?, ?, ?)');
        for (const row of batch) insert.run(row.topic, this.origin, row.payload, now);
      })();
      if (now - this.lastPrune > BUS_ROW_TTL_MS / 2) {
        this.lastPrune = now;
        db.prepare('DELETE FROM bus_messages WHERE created_at < ?').run(now - BUS_ROW_TTL_MS);
      }
    } catch (error) {
      for (const row of batch) row.reject(error);
      return;
    }
    for (const row of batch) row.resolve();
  }

  async subscribe(listener: (message: BusMessage) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    if (!this.timer) {
      const db = this.db();
      this.cursor = (db.prepare('SELECT coalesce(max(id), 0) AS id FROM bus_messages').get() as { id: number }).id;
      this.dataVersion = -1;
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

  /** Stops reading and closes the file (the store closes). */
  close(): void {
    if (this.pending.length) this.flush();
    this.listeners.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.opened?.open) this.opened.close();
  }

  private db(): SqliteDb {
    return (this.opened ??= openBusFile(this.file));
  }

  private poll(): void {
    const db = this.db();
    if (!db.open) return;
    const version = db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    let rows: Row[];
    try {
      rows = db.prepare('SELECT id, topic, origin, payload FROM bus_messages WHERE id > ? ORDER BY id').all(this.cursor) as Row[];
    } catch {
      this.dataVersion = -1;
      return; // busy or closing: the next tick tries again
    }
    for (const row of rows) {
      this.cursor = row.id;
      if (row.origin === this.origin) continue;
      deliver(this.listeners, { topic: row.topic, origin: row.origin, data: JSON.parse(row.payload) });
    }
  }
}

/** Opens the bus file, creating it; one that does not read as a database (a power cut under `synchronous = OFF`) is replaced. */
function openBusFile(file: string): SqliteDb {
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      return prepareBusFile(new Database(file));
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (file === ':memory:' || !/^SQLITE_(CORRUPT|NOTADB)/.test(code)) throw error;
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      return prepareBusFile(new Database(file));
    }
  } catch (cause) {
    throw new UnreachableError('store_unreachable', `cannot open the SQLite bus file ${file} — check that TTOPS_HOME is writable`, { cause });
  }
}

function prepareBusFile(db: SqliteDb): SqliteDb {
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = OFF');
    // AUTOINCREMENT: a pruned id is never handed out again, so a reader's cursor never skips a row.
    db.exec(`CREATE TABLE IF NOT EXISTS bus_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      topic TEXT NOT NULL,
      origin TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
    cacheStatements(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
