/**
 * The README's exit-code table, walked: every code it lists is produced by one real case
 * through the built binary, each with one sentence saying what to do, and src/errors.ts
 * agrees with the table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { EXIT } from '../../src/errors.js';
import { PG_ADMIN_URL, postgresEngine, sqliteEngine } from '../helpers/engines.js';
import { CTRL_C, ttops, ttopsOnPty } from '../helpers/cli.js';

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

/** The codes of the README's "Exit codes" table. */
function readmeCodes(): number[] {
  const section = README.slice(README.indexOf('Exit codes:'));
  const rows = section.slice(0, section.indexOf('\n\n', section.indexOf('|---|'))).split('\n');
  return rows.map((line) => /^\| (\d+) \|/.exec(line)?.[1]).filter((c): c is string => c !== undefined).map(Number);
}

/** One sentence on stderr, prefixed `ttops:`, no stack. */
function oneSentence(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split(/\r?\n/);
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^ttops: /);
  assert.match(lines[0], pattern);
}

const cases: Record<number, () => Promise<void>> = {
  [EXIT.ok]: async () => assert.equal((await ttops(['--version'], {})).code, 0),
  [EXIT.failure]: async () => {
    const home = await sqliteEngine();
    const r = await ttops(['migrate', 'status', '--check'], { ...home.env, TTOPS_ENV: 'prod' });
    await home.cleanup();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ttops: \d+ migration\(s\) pending — run `ttops migrate up`$/m);
  },
  [EXIT.usage]: async () => {
    const r = await ttops(['migrate', 'down', '--count', '0'], {});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /expected a whole number from 1/);
  },
  [EXIT.unreachable]: async () => {
    const home = await sqliteEngine();
    const r = await ttops(['migrate', 'status'], { ...home.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    await home.cleanup();
    assert.equal(r.code, 3);
    oneSentence(r.stderr, /PostgreSQL is unreachable — check DATABASE_URL and that the server is running/);
  },
  [EXIT.config]: async () => {
    const home = await sqliteEngine();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = '/ttops_no_such_database';
    const missing = await ttops(['migrate', 'status'], { ...home.env, DATABASE_URL: url.toString() });
    assert.equal(missing.code, 4);
    oneSentence(missing.stderr, /DATABASE_URL names a database that does not exist — create it .*database "ttops_no_such_database" does not exist/);
    url.pathname = '/test';
    url.username = 'ttops_no_such_role';
    const role = await ttops(['status'], { ...home.env, DATABASE_URL: url.toString() });
    assert.equal(role.code, 4, 'status too: a rejected login is configuration, not an outage');
    oneSentence(role.stderr, /DATABASE_URL names a role PostgreSQL does not accept/);
    await home.cleanup();
  },
  [EXIT.notFound]: async () => {
    const home = await sqliteEngine();
    const r = await ttops(['license', 'show', 'TTB-0000-0000-0000'], home.env);
    await home.cleanup();
    assert.equal(r.code, 5);
    oneSentence(r.stderr, /license/);
  },
  [EXIT.conflict]: async () => {
    const home = await sqliteEngine();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const r = await ttops(['serve', '--host', '127.0.0.1', '--port', String(port)], { ...home.env, LOG_LEVEL: 'warn' });
      assert.equal(r.code, 6, r.stderr);
      oneSentence(r.stderr, new RegExp(`^ttops: port ${port} on 127.0.0.1 is in use — stop the other process or pass --port$`));
    } finally {
      holder.close();
      await home.cleanup();
    }
  },
  [EXIT.internal]: async () => {
    // A state ttops does not understand: a migrations table of another shape.
    const engine = await postgresEngine();
    const c = new pg.Client({ connectionString: engine.settings.databaseUrl });
    await c.connect();
    await c.query('CREATE TABLE pgmigrations (x int)');
    await c.end();
    const r = await ttops(['migrate', 'status'], engine.env);
    await engine.cleanup();
    assert.equal(r.code, 70);
    oneSentence(r.stderr, /^ttops: internal error: .* — rerun with --verbose and report it$/);
  },
  [EXIT.interrupted]: async () => {
    const home = await sqliteEngine();
    const r = await ttopsOnPty(['init'], {}, { cwd: home.settings.home, steps: [{ waitFor: /production server/, send: CTRL_C }] });
    await home.cleanup();
    assert.equal(r.code, 130);
    assert.match(r.output, /ttops: interrupted — nothing was changed\r\n$/);
  },
};

test('the README exit-code table and src/errors.ts EXIT list the same codes', () => {
  assert.deepEqual(readmeCodes(), Object.values(EXIT).sort((a, b) => a - b));
  assert.match(README, /\| 130 \| interrupted/);
});

for (const code of readmeCodes()) {
  test(`exit ${code}, as the README says`, async () => {
    assert.ok(cases[code], `no case for exit code ${code}`);
    await cases[code]();
  });
}
