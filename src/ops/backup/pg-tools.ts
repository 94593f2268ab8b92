/**
 * pg_dump / pg_restore as planned commands: pure argv builders. The connection goes in as a
 * URL without its password; the password travels in PGPASSWORD (a Secret), so neither `ps`
 * nor an error message ever shows it.
 */
import { Secret, type Arg } from '../plan.js';
import type { PlannedCommand } from '../plan.js';

/** A libpq connection split into a printable `--dbname` URL and the secret environment. */
export interface PgConnection {
  dbname: string;
  env: Record<string, Arg>;
}

/** Splits DATABASE_URL into a password-free URL and PGPASSWORD. */
export function pgConnection(databaseUrl: string): PgConnection {
  const url = new URL(databaseUrl);
  const password = url.password ? decodeURIComponent(url.password) : url.searchParams.get('password') ?? undefined;
  url.password = '';
  url.searchParams.delete('password');
  return { dbname: url.toString(), env: password ? { PGPASSWORD: new Secret(password) } : {} };
}

/** `host:port/name` of a database URL, for manifests and messages. */
export function describeDatabase(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname}`;
}

/** Dump in custom format (compressed, selective restore) from an exported snapshot. */
export function planPgDump(databaseUrl: string, file: string, snapshot?: string): PlannedCommand {
  const c = pgConnection(databaseUrl);
  const argv: Arg[] = ['pg_dump', '--format=custom', `--file=${file}`];
  if (snapshot) argv.push(`--snapshot=${snapshot}`);
  argv.push(`--dbname=${c.dbname}`);
  return { argv, env: c.env, why: 'dump the database' };
}

/** Reads a dump's table of contents: cheap proof the archive is readable. */
export function planPgRestoreList(file: string): PlannedCommand {
  return { argv: ['pg_restore', '--list', file], why: 'read the dump\'s table of contents' };
}

/**
 * Restores a dump into an (empty) database in one transaction, stopping at the first error;
 * objects end up owned by the connecting user.
 */
export function planPgRestore(databaseUrl: string, file: string): PlannedCommand {
  const c = pgConnection(databaseUrl);
  return {
    argv: ['pg_restore', '--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${c.dbname}`, file],
    env: c.env,
    why: 'restore the database dump',
  };
}

/** Table and view names in `schema` from `pg_restore --list` output (the store lists views as tables too). */
export function tablesInRestoreList(list: string, schema: string): string[] {
  const tables: string[] = [];
  for (const line of list.split('\n')) {
    const m = /^\d+; \d+ \d+ (?:TABLE|VIEW|MATERIALIZED VIEW) (\S+) (\S+) /.exec(line);
    if (m && m[1] === schema) tables.push(m[2]);
  }
  return tables.sort();
}
