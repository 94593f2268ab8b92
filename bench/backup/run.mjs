#!/usr/bin/env node
/**
 * `ttops backup create` against the raw tools it wraps, on the same data in the same run:
 * a PostgreSQL database with 200k users + 200k ledger rows (plus keys, audit rows, jobs) and
 * a few MB of media. Raw = `pg_dump -Fc` then `tar czf` (what a cron script does). Each side
 * runs BENCH_RUNS times (default 3, after one warm-up each, alternating order); medians and
 * the ratio are printed. Target: ttops ≤ 1.2× raw.
 *
 *   node bench/backup/run.mjs            (needs `npx tsc -p .` first, PostgreSQL at TTOPS_BENCH_PG_URL)
 *   BENCH_USERS=20000 BENCH_MEDIA_MB=2 node bench/backup/run.mjs   (quick)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { machineInfo, ROOT } from '../lib.mjs';

const ADMIN_URL = process.env.TTOPS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const USERS = Number(process.env.BENCH_USERS ?? 200_000);
const MEDIA_MB = Number(process.env.BENCH_MEDIA_MB ?? 8);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BIN = path.join(ROOT, 'bin', 'ttops.js');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n) => Math.round(n);

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs a command; wall ms, and (with GNU time) client-side CPU ms of it and its children — steadier than wall on a busy box. */
function run(cmd, args, env) {
  const [file, argv] = GNU_TIME ? [GNU_TIME, ['-f', 'ttops-bench-cpu %U %S', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /ttops-bench-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { elapsed, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN, stdout: r.stdout };
}

async function fill(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const n = USERS;
  await c.query(`INSERT INTO users (username, password_hash, plan, license_expires_at, credits, tiktok_username, telegram_id, voice_id)
    SELECT 'user' || g, 'pbkdf2-sha256$600000$' || md5(g::text) || '$' || md5((g * 7)::text) || md5((g * 13)::text),
           CASE WHEN g % 3 = 0 THEN 'pro' ELSE 'basic' END, now() + (g % 90) * interval '1 day', g % 50,
           'tt_' || substr(md5(g::text), 1, 10), 100000000 + g, CASE WHEN g % 2 = 0 THEN 'ru-RU-SvetlanaNeural' ELSE 'en-US-AriaNeural' END
      FROM generate_series(1, ${n}) g`);
  await c.query(`INSERT INTO credit_ledger (user_id, delta, kind, reason, created_at)
    SELECT (g % ${n}) + 1, (g % 7) - 2, CASE WHEN g % 5 = 0 THEN 'grant' ELSE 'debit' END, 'order ' || substr(md5(g::text), 1, 16),
           now() - (g % 10000) * interval '1 minute'
      FROM generate_series(1, ${n}) g`);
  await c.query(`INSERT INTO license_keys (key_hash, key_suffix, plan, ttl_days, expires_at, note)
    SELECT md5('k' || g) || md5('x' || g), upper(substr(md5(g::text), 1, 4)), 'pro', 30, now() + interval '30 days', 'batch ' || (g / 1000)
      FROM generate_series(1, ${n / 4}) g`);
  await c.query(`INSERT INTO audit_log (actor, action, subject, detail)
    SELECT 'cli:root', 'license.issue', 'license:' || g, '{"plan":"pro","ttl_days":30,"suffix":"' || upper(substr(md5(g::text), 1, 4)) || '"}'
      FROM generate_series(1, ${n / 4}) g`);
  await c.query(`INSERT INTO jobs (kind, status, payload, user_id, finished_at)
    SELECT 'video.generate', 'succeeded', '{"photo":"https://media.example/p/' || md5(g::text) || '.jpg","template":"t' || (g % 9) || '","wishes":"бодро, ярко"}',
           (g % ${n}) + 1, now()
      FROM generate_series(1, ${n / 10}) g`);
  await c.query('ANALYZE');
  const size = (await c.query('SELECT pg_size_pretty(pg_database_size(current_database())) AS s')).rows[0].s;
  await c.end();
  return size;
}

function writeMedia(dir) {
  // Sounds are already compressed audio: random bytes are the honest stand-in for gzip.
  for (let i = 0; i < MEDIA_MB * 4; i++) {
    const sub = path.join(dir, 'static', i % 2 ? 'sounds' : 'tts');
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `clip-${i}.mp3`), randomBytes(256 * 1024));
  }
}

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), 'ttops-bench-backup-'));
  const name = `ttops_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
  const home = path.join(work, 'home');
  const media = path.join(home, 'media');
  const env = { DATABASE_URL: url, TTOPS_HOME: home, MEDIA_DIR: media, LOG_LEVEL: 'warn', TTOPS_ENV: 'dev' };
  try {
    run(process.execPath, [BIN, 'migrate', 'up'], env);
    const dbSize = await fill(url);
    writeMedia(media);
    console.error(`filled ${name}: ${USERS} users, ${USERS} ledger rows, ${USERS / 4} keys, ${USERS / 4} audit rows, ${USERS / 10} jobs (${dbSize}); ${MEDIA_MB} MB media`);

    const raw = (i) => {
      const out = path.join(work, `raw-${i}`);
      mkdirSync(out);
      const d = run('pg_dump', ['--format=custom', `--file=${path.join(out, 'db.dump')}`, `--dbname=${url}`]);
      const t = run('tar', ['czf', path.join(out, 'media.tar.gz'), '-C', media, '.']);
      const size = statSync(path.join(out, 'db.dump')).size + statSync(path.join(out, 'media.tar.gz')).size;
      rmSync(out, { recursive: true });
      return { total: d.elapsed + t.elapsed, cpu: d.cpu + t.cpu, pgDump: d.elapsed, tar: t.elapsed, size };
    };
    const ttops = (i) => {
      const dir = path.join(work, `ttops-${i}`);
      const r = run(process.execPath, [BIN, 'backup', 'create', '--dir', dir, '--json'], env);
      const out = JSON.parse(r.stdout);
      const manifest = JSON.parse(readFileSync(path.join(out.path, 'manifest.json'), 'utf8'));
      rmSync(dir, { recursive: true });
      return { total: r.elapsed, cpu: r.cpu, inProcess: manifest.duration_ms, size: out.size };
    };

    const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
    raw('warm');
    ttops('warm');
    const raws = [];
    const ours = [];
    for (let i = 0; i < RUNS; i++) {
      if (i % 2) {
        ours.push(ttops(i));
        raws.push(raw(i));
      } else {
        raws.push(raw(i));
        ours.push(ttops(i));
      }
    }
    const rawMedian = median(raws.map((r) => r.total));
    const oursMedian = median(ours.map((r) => r.total));
    const result = {
      machine: machineInfo(),
      // Other work on the box skews both sides; the alternating order keeps the ratio fair-ish.
      load_average: { before: loadBefore, after: loadavg().map((l) => Math.round(l * 100) / 100) },
      pg_dump: run('pg_dump', ['--version']).stdout.trim(),
      data: { users: USERS, ledger: USERS, license_keys: USERS / 4, audit_log: USERS / 4, jobs: USERS / 10, db_size: dbSize, media_mb: MEDIA_MB },
      runs: RUNS,
      raw_ms: { median: ms(rawMedian), runs: raws.map((r) => ms(r.total)), pg_dump_median: ms(median(raws.map((r) => r.pgDump))), tar_median: ms(median(raws.map((r) => r.tar))), cpu_median: ms(median(raws.map((r) => r.cpu))) },
      ttops_ms: { median: ms(oursMedian), runs: ours.map((r) => ms(r.total)), in_process_median: ms(median(ours.map((r) => r.inProcess))), cpu_median: ms(median(ours.map((r) => r.cpu))) },
      output_bytes: { raw: raws[0].size, ttops: ours[0].size },
      ratio: Math.round((oursMedian / rawMedian) * 100) / 100,
      // Each run pairs one raw and one ttops backup taken back to back: less exposed to load drifting mid-bench.
      paired_ratio_median: Math.round(median(ours.map((o, i) => o.total / raws[i].total)) * 100) / 100,
      target: 1.2,
    };
    console.log(JSON.stringify(result, null, 2));
    console.error(`\nraw pg_dump -Fc + tar czf: ${ms(rawMedian)} ms   ttops backup create: ${ms(oursMedian)} ms   ratio ${result.ratio}× (paired ${result.paired_ratio_median}×; target ≤ 1.2×)`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
