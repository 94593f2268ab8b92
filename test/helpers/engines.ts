/**
 * Real databases for tests: a fresh SQLite file in a temp dir, or a fresh PostgreSQL
 * database created on the local server (TTOPS_TEST_PG_URL, default the `test` database on
 * 127.0.0.1:5432) and dropped afterwards. Each test file gets its own, so files can run
 * in parallel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.TTOPS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One engine to run a suite against. */
export interface TestEngine {
  name: 'sqlite' | 'postgres';
  /** Configuration fields that select this engine. */
  settings: { home: string; databaseUrl?: string };
  /** Env vars that select this engine for a subprocess. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A temp directory removed by `cleanup`. */
export function tempDir(prefix = 'ttops-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A fresh SQLite engine in its own TTOPS_HOME. */
export async function sqliteEngine(): Promise<TestEngine> {
  const home = tempDir();
  return { name: 'sqlite', settings: { home }, env: { TTOPS_HOME: home }, cleanup: async () => rmSync(home, { recursive: true, force: true }) };
}

/** A fresh PostgreSQL database. */
export async function postgresEngine(): Promise<TestEngine> {
  const home = tempDir();
  const name = `ttops_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    name: 'postgres',
    settings: { home, databaseUrl },
    env: { TTOPS_HOME: home, DATABASE_URL: databaseUrl },
    async cleanup() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Both engines, for suites that must pass unchanged on each. */
export const ENGINES: { name: 'sqlite' | 'postgres'; make: () => Promise<TestEngine> }[] = [
  { name: 'sqlite', make: sqliteEngine },
  { name: 'postgres', make: postgresEngine },
];
