/**
 * The bus on PostgreSQL: `pg_notify` on one channel, LISTEN on a dedicated connection.
 * NOTIFY payloads stop at 8000 bytes, so a larger message goes into `bus_messages` and the
 * notification carries its id; readers fetch it from there.
 */
import type pg from 'pg';
import { BUS_ROW_TTL_MS, deliver, newOrigin, type Bus, type BusMessage } from '../bus.js';
import { q } from './db.js';
import { listenChannel } from './listen.js';

const CHANNEL = 'ttops_bus';
/** Below PostgreSQL's 8000-byte limit, with room for the envelope. */
const MAX_INLINE = 7000;

/** Notification body: the message itself, or a reference to its row. */
type Envelope = BusMessage | { origin: string; ref: number };

/** The PostgreSQL bus of one store. */
export class PgBus implements Bus {
  readonly origin = newOrigin();
  private readonly listeners = new Set<(message: BusMessage) => void>();
  private stopListening?: Promise<() => Promise<void>>;
  private lastPrune = 0;

  constructor(private readonly pool: pg.Pool, private readonly databaseUrl: string) {}

  async publish(topic: string, data: unknown): Promise<void> {
    const message: BusMessage = { topic, origin: this.origin, data };
    const text = JSON.stringify(message);
    if (Buffer.byteLength(text) <= MAX_INLINE) {
      await q(this.pool, { name: 'ttops_bus_notify', text: `SELECT pg_notify('${CHANNEL}', $1)` }, [text]);
      return;
    }
    await q(
      this.pool,
      `WITH row AS (INSERT INTO bus_messages (topic, origin, payload) VALUES ($1, $2, $3) RETURNING id)
       SELECT pg_notify('${CHANNEL}', json_build_object('origin', $2::text, 'ref', row.id)::text) FROM row`,
      [topic, this.origin, JSON.stringify(data)],
    );
    await this.prune();
  }

  async subscribe(listener: (message: BusMessage) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    this.stopListening ??= listenChannel(this.databaseUrl, CHANNEL, (payload) => void this.receive(payload), () => {});
    await this.stopListening;
    return async () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0 || !this.stopListening) return;
      const stop = await this.stopListening;
      this.stopListening = undefined;
      await stop();
    };
  }

  /** Stops listening (the store closes). */
  async close(): Promise<void> {
    this.listeners.clear();
    const stop = this.stopListening;
    this.stopListening = undefined;
    if (stop) await (await stop)();
  }

  private async receive(payload: string): Promise<void> {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === this.origin) return;
    if ('ref' in envelope) {
      const rows = await q(this.pool, 'SELECT topic, origin, payload FROM bus_messages WHERE id = $1', [envelope.ref]).catch(() => []);
      if (!rows[0]) return;
      envelope = { topic: String(rows[0].topic), origin: String(rows[0].origin), data: JSON.parse(String(rows[0].payload)) };
    }
    deliver(this.listeners, envelope);
  }

  /** Large messages are read within moments; drop rows older than the TTL now and then. */
  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < BUS_ROW_TTL_MS / 2) return;
    this.lastPrune = now;
    await q(this.pool, `DELETE FROM bus_messages WHERE created_at < now() - make_interval(secs => $1)`, [BUS_ROW_TTL_MS / 1000]);
  }
}
