/**
 * The bus on PostgreSQL: `pg_notify` on one channel, LISTEN on a dedicated connection.
 * NOTIFY payloads stop at 8000 bytes, so a larger message goes into `bus_messages` and the
 * notification carries its id; readers fetch it from there. Messages published in one turn of
 * the event loop go out in one statement (a live event publishes one; a round trip each was
 * the bus's whole cost).
 */
import type pg from 'pg';
import { BUS_ROW_TTL_MS, deliver, newOrigin, type Bus, type BusMessage } from '../bus.js';
import { q } from './db.js';
import { listenChannel } from './listen.js';

const CHANNEL = 'ttops_bus';
/** Below PostgreSQL's 8000-byte limit, with room for the envelope. */
const MAX_INLINE = 7000;

/**
 * Notification body: the message itself, or a reference to its row. `n` numbers a batch's
 * messages: PostgreSQL delivers identical payloads sent in one transaction only once.
 */
type Envelope = (BusMessage & { n?: number }) | { origin: string; ref: number };

/** The PostgreSQL bus of one store. */
export class PgBus implements Bus {
  readonly origin = newOrigin();
  private readonly listeners = new Set<(message: BusMessage) => void>();
  private stopListening?: Promise<() => Promise<void>>;
  private lastPrune = 0;
  private sent = 0;
  /** Notifications of this turn not yet sent (see `flush`). */
  private pending: { text: string; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly pool: pg.Pool, private readonly databaseUrl: string) {}

  async publish(topic: string, data: unknown): Promise<void> {
    const text = JSON.stringify({ topic, origin: this.origin, data, n: this.sent++ });
    if (Buffer.byteLength(text) <= MAX_INLINE) {
      return new Promise((resolve, reject) => {
        this.pending.push({ text, resolve, reject });
        if (this.pending.length === 1) setImmediate(() => void this.flush());
      });
    }
    await q(
      this.pool,
      `WITH row AS (INSERT INTO bus_messages (topic, origin, payload) VALUES ($1, $2, $3) RETURNING id)
       SELECT pg_notify('${CHANNEL}', json_build_object('origin', $2::text, 'ref', row.id)::text) FROM row`,
      [topic, this.origin, JSON.stringify(data)],
    );
    await this.prune();
  }

  /** Sends this turn's notifications, in publish order, as one statement. */
  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      if (batch.length === 1) await q(this.pool, { name: 'ttops_bus_notify', text: `SELECT pg_notify('${CHANNEL}', $1)` }, [batch[0].text]);
      else {
        const text = `SELECT pg_notify('${CHANNEL}', m) FROM unnest($1::text[]) WITH ORDINALITY AS t (m, i) ORDER BY i`;
        await q(this.pool, { name: 'ttops_bus_notify_many', text }, [batch.map((b) => b.text)]);
      }
    } catch (error) {
      for (const b of batch) b.reject(error);
      return;
    }
    for (const b of batch) b.resolve();
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
    deliver(this.listeners, { topic: envelope.topic, origin: envelope.origin, data: envelope.data });
  }

  /** Large messages are read within moments; drop rows older than the TTL now and then. */
  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < BUS_ROW_TTL_MS / 2) return;
    this.lastPrune = now;
    await q(this.pool, `DELETE FROM bus_messages WHERE created_at < now() - make_interval(secs => $1)`, [BUS_ROW_TTL_MS / 1000]);
  }
}
