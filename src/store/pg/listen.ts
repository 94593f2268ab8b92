/**
 * LISTEN on a dedicated connection (a pooled one would drop the subscription). When the
 * connection breaks — PostgreSQL restarted, network blip — it reconnects with backoff,
 * listens again and fires the listener once, because notifications sent while it was
 * away are lost and the work they announced is waiting.
 */
import pg from 'pg';
import { JOBS_CHANNEL } from './jobs.js';

/** Subscribes `listener` to job notifications until the returned function is called. */
export function listenForJobs(databaseUrl: string, listener: () => void): Promise<() => Promise<void>> {
  return listenChannel(databaseUrl, JOBS_CHANNEL, listener, listener);
}

/**
 * LISTENs on `channel` until the returned function is called: `onMessage` gets each payload,
 * `onConnected` runs after every (re)connect, when anything sent meanwhile is lost.
 */
export async function listenChannel(databaseUrl: string, channel: string, onMessage: (payload: string) => void, onConnected: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retryMs = 100;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const next = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
    next.on('notification', (message) => onMessage(message.payload ?? ''));
    next.on('error', () => reconnect());
    next.on('end', () => reconnect());
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
      client = next;
      retryMs = 100;
      onConnected();
    } catch {
      // A client that failed half-way can still report the server's shutdown (57P01): keep a
      // listener on it, or that late 'error' would be unhandled and end the process.
      next.removeAllListeners();
      next.on('error', () => {});
      await next.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, 5000);
  };
  const reconnect = () => {
    const dead = client;
    client = undefined;
    if (dead) {
      dead.removeAllListeners();
      dead.on('error', () => {});
      void dead.end().catch(() => {});
    }
    schedule();
  };

  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = undefined;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  };
}
