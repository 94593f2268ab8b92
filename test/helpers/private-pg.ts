/**
 * A throwaway PostgreSQL 15 cluster of a test's own, so the test may restart or kill it
 * without touching the machine's shared server on 5432 that other test files use at the
 * same time. It lives in a temp dir (data, socket, log), listens on 127.0.0.1 and a free
 * port, trusts local connections, and is deleted by `stop()`.
 *
 * initdb and the server refuse to run as root: as root every command runs through
 * `runuser -u postgres --` (argv arrays, never a shell), with the temp dir owned by postgres.
 */
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export { freePort };

/** Where Debian puts the PostgreSQL 15 binaries (TTOPS_TEST_PG_BIN overrides). */
export const PG_BIN = process.env.TTOPS_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A private cluster: its URL (database `ttops`) and its lifecycle. */
export interface PrivatePostgres {
  url: string;
  port: number;
  dataDir: string;
  /**
   * `pg_ctl restart -m fast` (or, with `downMs`, a fast stop, that long down, and a start),
   * resolving once the server accepts connections again; returns the downtime in ms.
   */
  restart(downMs?: number): Promise<number>;
  /** Stops the server at once and deletes its files. Idempotent. */
  stop(): Promise<void>;
}

/** Options for `startPrivatePostgres`. */
export interface PrivatePostgresOptions {
  /** Extra postgresql.conf lines, e.g. { max_connections: '200' }. */
  settings?: Record<string, string>;
}


const asRoot = process.getuid?.() === 0;

/** argv for a PostgreSQL binary, run as `postgres` when we are root. */
function pgArgv(bin: string, args: string[]): [string, string[]] {
  const exe = path.join(PG_BIN, bin);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
}

function run(bin: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const [cmd, argv] = pgArgv(bin, args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${bin} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

async function waitAccepting(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`private PostgreSQL not accepting connections after ${timeoutMs} ms: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Creates, starts and returns a private cluster with an empty `ttops` database. */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttops-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  if (asRoot) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const ctl = (args: string[]) => run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', ...args]);
  // A last resort if the test process dies without stop(): never leave a server behind.
  const onExit = () => {
    const [cmd, argv] = pgArgv('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
    spawnSync(cmd, argv, { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    await ctl(['-m', 'immediate', 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    const settings: Record<string, string> = {
      listen_addresses: "'127.0.0.1'",
      port: String(port),
      unix_socket_directories: `'${dir}'`,
      max_connections: '200',
      logging_collector: 'off',
      ...options.settings,
    };
    appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n# ttops private test cluster\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
    await ctl(['start']);
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitAccepting(adminUrl, 30_000);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE ttops');
    await admin.end();
  } catch (error) {
    await stop();
    throw error;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/ttops`;
  return {
    url,
    port,
    dataDir,
    async restart(downMs = 0) {
      const started = Date.now();
      if (downMs > 0) {
        await ctl(['-m', 'fast', 'stop']);
        await new Promise((r) => setTimeout(r, downMs));
        await ctl(['start']);
      } else {
        await ctl(['-m', 'fast', 'restart']);
      }
      await waitAccepting(url, 30_000);
      return Date.now() - started;
    },
    stop,
  };
}

function postgresIds(): { uid: number; gid: number } {
  const out = spawnSync('id', ['postgres'], { encoding: 'utf8' }).stdout ?? '';
  const uid = /uid=(\d+)/.exec(out)?.[1];
  const gid = /gid=(\d+)/.exec(out)?.[1];
  if (!uid || !gid) throw new Error('running as root needs a `postgres` system user to own the private cluster');
  return { uid: Number(uid), gid: Number(gid) };
}
