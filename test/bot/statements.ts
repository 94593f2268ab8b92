/**
 * Counts the SQL statements the store sends while some code runs, at the driver: pg's
 * `Client.query` (each one a round trip to PostgreSQL) and better-sqlite3's statement
 * `run`/`get`/`all` (in process; a transaction's BEGIN and COMMIT count too). It sees every
 * statement of the process, so nothing else may use the store while it records.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

type StatementMethods = Record<'run' | 'get' | 'all', (...args: unknown[]) => unknown>;

/** better-sqlite3's Statement prototype, shared by every statement of every database. */
function statementPrototype(): StatementMethods {
  const db = new Database(':memory:');
  try {
    return Object.getPrototypeOf(db.prepare('SELECT 1')) as StatementMethods;
  } finally {
    db.close();
  }
}

/** The statements seen while `body` ran, in order, as their SQL text. */
export async function recordStatements(body: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const statement = statementPrototype();
  const client = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const originals = { run: statement.run, get: statement.get, all: statement.all, query: client.query };
  for (const method of ['run', 'get', 'all'] as const) {
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      seen.push(this.source);
      return originals[method].apply(this, args);
    };
  }
  client.query = function (this: unknown, config: unknown, ...rest: unknown[]) {
    seen.push(typeof config === 'string' ? config : String((config as { text?: string }).text));
    return originals.query.call(this, config, ...rest);
  };
  try {
    await body();
  } finally {
    statement.run = originals.run;
    statement.get = originals.get;
    statement.all = originals.all;
    client.query = originals.query;
  }
  return seen.map((sql) => sql.replace(/\s+/g, ' ').trim());
}
