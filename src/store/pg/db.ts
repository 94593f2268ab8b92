/**
 * PostgreSQL connection handling: one pool, type parsers that give us numbers for bigint
 * ids and ISO strings for timestamptz (the shapes SQLite yields too), a transaction
 * helper, and one place that turns connection failures into UnreachableError.
 */
import pg from 'pg';
import { ConfigError, UnreachableError } from '../../errors.js';

const INT8 = 20;
const TIMESTAMPTZ = 1184;

const toNumber = (v: string) => Number(v);
const toIso = (v: string) => new Date(v).toISOString();
// Asked once per column of every result (a fulfilment reads ~80 columns): answered from a table.
const textParsers = new Map<number, (v: string) => unknown>();

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    let parse = textParsers.get(oid);
    if (!parse) textParsers.set(oid, (parse = oid === INT8 ? toNumber : oid === TIMESTAMPTZ ? toIso : pg.types.getTypeParser(oid, 'text')));
    return parse;
  },
};

/** A pooled connection or the pool itself: anything with `query`. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/**
 * A pool whose connections parse bigint and timestamptz the way the store expects.
 * `asyncCommit` turns off `synchronous_commit` for its connections (see PgStore.claimBotUpdate).
 */
export function makePool(connectionString: string, max = 10, options: { asyncCommit?: boolean } = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, types, connectionTimeoutMillis: 5000, ...(options.asyncCommit ? { options: '-c synchronous_commit=off' } : {}) });
  // An idle client losing its server (restart) must not crash the process.
  pool.on('error', () => {});
  // Nor a checked-out one: pg-pool drops its idle listener on checkout, and a borrower's own
  // (withTransaction's) comes a microtask later — after the rest of the socket chunk that
  // ended the previous query, which may hold the server's FATAL 57P01, was parsed. The client
  // is then not queryable: its next query fails as unreachable and the pool discards it.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Whether an error means "the database is not there" rather than "the query is wrong". */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  const message = (error as Error)?.message ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03'].includes(code) || code.startsWith('08') || /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed/i.test(message);
}

/** PostgreSQL refusing the login or the database by name: DATABASE_URL is wrong, not the server down. */
const CONFIG_CODES: Record<string, string> = {
  '3D000': 'names a database that does not exist — create it (`createdb NAME`, or `ttops init --create-local-db`) or fix the name in DATABASE_URL',
  '28000': 'names a role PostgreSQL does not accept — create the role or fix the user in DATABASE_URL',
  '28P01': 'has a user or password PostgreSQL rejects — fix the password in DATABASE_URL',
};

/** Re-throws a wrong DATABASE_URL as ConfigError (exit 4), connection failures as UnreachableError (exit 3), anything else unchanged. */
export function rethrow(error: unknown): never {
  const why = CONFIG_CODES[(error as { code?: string })?.code ?? ''];
  if (why) throw new ConfigError(`DATABASE_URL ${why} (PostgreSQL said: ${(error as Error).message})`, { code: 'database_url_rejected', cause: error });
  if (isConnectionError(error)) throw new UnreachableError('store_unreachable', 'PostgreSQL is unreachable — check DATABASE_URL and that the server is running', { cause: error });
  throw error;
}

/** A statement run often enough to keep parsed and planned on each connection (by name). */
export interface Prepared {
  name: string;
  text: string;
}

/**
 * The values of a statement put together from optional parts: `add` places a value and answers
 * its placeholder, cast, so each part reads the same wherever it lands.
 */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/** Runs one statement and returns its rows; connection failures become UnreachableError. */
export async function q(db: Queryable, statement: string | Prepared, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await run(db, statement, values)).rows;
}

/** Like `q`, for the row count of a statement whose rows nobody reads. */
export async function affected(db: Queryable, statement: string | Prepared, values: unknown[] = []): Promise<number> {
  return (await run(db, statement, values)).rowCount ?? 0;
}

async function run(db: Queryable, statement: string | Prepared, values: unknown[]): Promise<pg.QueryResult> {
  try {
    return await db.query(typeof statement === 'string' ? { text: statement, values } : { ...statement, values });
  } catch (error) {
    rethrow(error);
  }
}

/**
 * Runs `fn` in a transaction on one pooled client. `opening` may follow BEGIN with statements of
 * its own, sent in the same round trip (simple protocol: no parameters, so only checked integers
 * are inlined, or EXECUTE of statements PREPAREd on the client); each runs with its own snapshot,
 * and `fn` gets their results. As a function, it is asked for the text with the client in hand.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient, opened: pg.QueryResult[]) => Promise<T>, opening: string | ((client: pg.PoolClient) => Promise<string>) = 'BEGIN'): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    rethrow(error);
  }
  // A checked-out client has no pool listener: without ours, the server ending the connection
  // between two statements (a restart) is an unhandled 'error' event that kills the process.
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    // A multi-statement text answers with one result per statement; BEGIN's is the first.
    const text = typeof opening === 'string' ? opening : await opening(client);
    const opened = ([] as pg.QueryResult[]).concat(await client.query(text));
    const result = await fn(client, opened.slice(1));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    rethrow(error);
  } finally {
    client.removeListener('error', onError);
    // A broken client is discarded by the pool instead of being handed out again.
    client.release(broken);
  }
}

/** Whether an error is PostgreSQL's unique violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}
