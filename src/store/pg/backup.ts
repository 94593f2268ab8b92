/**
 * The SQL side of PostgreSQL backups: an exported snapshot so row counts and `pg_dump`
 * see the same data, scratch databases for `verify --restore`, emptying the schema before
 * a restore, and the restore's audit row. The pg_dump/pg_restore argv lives in
 * src/ops/backup/pg-tools.ts; this file is the only backup code that imports `pg`.
 */
import type { AuditRow } from '../rules.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { FailureError } from '../../errors.js';
import { rethrow } from './db.js';

/** What `withSnapshot` hands the dump: the snapshot to pass to `pg_dump --snapshot`. */
export interface PgSnapshot {
  id: string;
  schema: string;
  /** Row count of every table in the schema, as of the snapshot (counted while the dump runs). */
  tables: Promise<Record<string, number>>;
  serverVersion: string;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    rethrow(error);
  }
  return client;
}

async function countTables(client: pg.Client, schema: string): Promise<Record<string, number>> {
  const { rows } = await client.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
  const counts: Record<string, number> = {};
  for (const { tablename } of rows) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(tablename)}`);
    counts[tablename] = Number(r.rows[0].n);
  }
  return counts;
}

/**
 * Runs `fn` while a repeatable-read transaction holds an exported snapshot, so the row counts
 * recorded in the manifest are exactly what `pg_dump --snapshot` writes, even under load.
 */
export async function withSnapshot<T>(url: string, fn: (snapshot: PgSnapshot) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await client.query<{ id: string; schema: string; version: string }>(
      "SELECT pg_export_snapshot() AS id, current_schema() AS schema, current_setting('server_version') AS version",
    );
    const { id, schema, version: serverVersion } = rows[0];
    // pg_dump runs on its own connection; counting on ours in the meantime costs no wall time.
    const tables = countTables(client, schema);
    tables.catch(() => {});
    return await fn({ id, schema, tables, serverVersion });
  } catch (error) {
    rethrow(error);
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
  }
}

/** Row counts of every table in `schema` (verify compares a scratch restore with the manifest). */
export async function countRowsAt(url: string, schema: string): Promise<Record<string, number>> {
  const client = await connect(url);
  try {
    return await countTables(client, schema);
  } catch (error) {
    rethrow(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A throwaway database on the same server; `drop` removes it whatever state it is in. */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates `ttops_verify_<random>` next to the configured database, for restore drills. */
export async function createScratchDatabase(url: string): Promise<ScratchDatabase> {
  const name = `ttops_verify_${randomBytes(5).toString('hex')}`;
  const client = await connect(url);
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    if ((error as { code?: string }).code === '42501') {
      throw new FailureError('scratch_db_denied', 'verify --restore needs to create a scratch database, but this database user lacks CREATEDB — grant it (`ALTER ROLE … CREATEDB`) or verify without --restore', { cause: error });
    }
    rethrow(error);
  } finally {
    await client.end().catch(() => {});
  }
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    name,
    url: scratch.toString(),
    async drop() {
      const admin = await connect(url);
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end().catch(() => {});
      }
    },
  };
}

const member = (oid: string) => `EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid} AND d.deptype = 'e')`;

/** Objects in the current schema that a restore must remove first (extension members excluded). */
const OBJECTS_SQL = `
  SELECT 'TABLE' AS kind, format('%I.%I', n.nspname, c.relname) AS name, 1 AS ord
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT ${member('c.oid')}
  UNION ALL
  SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'SEQUENCE' END,
         format('%I.%I', n.nspname, c.relname), CASE c.relkind WHEN 'S' THEN 2 ELSE 0 END
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm', 'f', 'S') AND NOT ${member('c.oid')}
  UNION ALL
  SELECT 'ROUTINE', format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), 3
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p') AND NOT ${member('p.oid')}
  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', n.nspname, t.typname), 4
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE n.nspname = current_schema() AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) AND NOT ${member('t.oid')}
  ORDER BY ord`;

/**
 * Drops every table, view, sequence, routine and type in the current schema in one
 * transaction, so a restore leaves exactly what the dump holds (tables a newer migration
 * added do not linger). Runs only after the safety backup.
 */
export async function emptySchema(url: string): Promise<number> {
  const client = await connect(url);
  try {
    await client.query("SET lock_timeout = '30s'");
    await client.query('BEGIN');
    const { rows } = await client.query<{ kind: string; name: string }>(
      `SELECT o.kind, o.name FROM (${OBJECTS_SQL}) o`,
    );
    for (const { kind, name } of rows) await client.query(`DROP ${kind} IF EXISTS ${name} CASCADE`);
    await client.query('COMMIT');
    return rows.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    rethrow(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Appends one audit row (the restore records itself in the database it restored). */
export async function insertAudit(url: string, row: AuditRow): Promise<void> {
  const client = await connect(url);
  try {
    await client.query('INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1, $2, $3, $4)', [row.actor, row.action, row.subject, row.detail]);
  } catch (error) {
    rethrow(error);
  } finally {
    await client.end().catch(() => {});
  }
}
