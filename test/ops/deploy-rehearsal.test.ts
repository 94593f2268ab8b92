/**
 * The deploy rehearsal: a whole box in a temp dir (app dir, nginx prefix, env file, units),
 * the real `ttops deploy` binary running the real commands (install, cp, ln/mv, nginx -t,
 * runuser … migrate up), a systemctl stand-in that starts the rendered API unit as a real
 * `ttops serve`, and a certbot stand-in issuing a self-signed certificate.
 *
 * 1. release r1 deploys healthy (HTTP stage → certbot → TLS stage, nginx -t passes);
 * 2. release r2 cannot start: the gate fails, `current` returns to r1 by itself, the log
 *    records it, r1 answers /ready again, and nginx still passes `nginx -t`;
 * 3. release r3 deploys healthy and prunes the failed r2 (--keep 2);
 * 4. `ttops rollback` skips nothing healthy and returns to r1.
 * Needs root (runuser, chown), nginx and openssl — as on the VPS; .ci/run installs them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ttops } from '../helpers/cli.js';
import { makeBox, makeBrokenPackage, PACKAGE_ROOT } from './fixtures/deploy/rehearsal.js';

async function ready(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/ready`);
  await response.arrayBuffer();
  return response.status;
}

test('deploy rehearsal: healthy release, failed release switched back by itself, prune, rollback', { timeout: 240_000 }, async (t) => {
  const box = await makeBox();
  t.after(() => {
    box.standins.stopApi();
    rmSync(box.dir, { recursive: true, force: true });
  });

  // 1. First deploy: everything from scratch.
  const first = await box.deploy(['--release-id', 'r1', '--json', '--from', PACKAGE_ROOT]);
  assert.equal(first.code, 0, `${first.stderr}\n--- api log ---\n${box.standins.apiLog()}`);
  const result = JSON.parse(first.stdout) as { release: string; health: string; url: string };
  assert.equal(result.release, 'r1');
  assert.match(result.health, /^(pass|warn)$/, 'no worker runs here, so /ready may warn');
  assert.equal(box.current(), 'releases/r1');
  assert.equal(await ready(box.port), 200);
  assert.equal(box.nginxTest().status, 0, box.nginxTest().stderr);
  const site = readFileSync(`${box.paths.nginxDir}/sites-available/ttops.conf`, 'utf8');
  assert.match(site, /Stage: tls/, 'the TLS stage replaced the HTTP stage after certbot');
  assert.ok(existsSync(`${box.paths.nginxDir}/sites-enabled/ttops.conf`));
  assert.equal(statSync(box.paths.envFile).mode & 0o777, 0o640, 'env file root:<service group> 0640');
  assert.equal(statSync(box.paths.home).uid, 65534, 'data dir belongs to the service user');
  assert.ok(existsSync(`${box.paths.home}/ttops.db`) || statSync(box.paths.home).isDirectory());
  const certbot = box.standins.certbotCalls();
  assert.deepEqual(certbot.filter((c) => c[0] === 'certonly').length, 1);
  assert.deepEqual(certbot.at(-1), ['deploy-hook exit', '0'], 'the deploy hook ran nginx -t and the reload');
  const calls = box.standins.recorder.calls().map((c) => c.join(' '));
  for (const expected of ['reload-or-restart nginx.service', 'daemon-reload', 'enable ttops-api.service ttops-workers.target', 'restart ttops-api.service', 'enable --now ttops-worker@1.service']) {
    assert.ok(calls.includes(expected), `systemctl ${expected}`);
  }
  assert.ok(calls.indexOf('daemon-reload') < calls.indexOf('restart ttops-api.service'));

  // 2. A release whose serve cannot start: the gate fails and current goes back to r1.
  const broken = makeBrokenPackage(box.dir);
  const second = await box.deploy(['--release-id', 'r2', '--from', broken]);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, /release r2 failed its health gate .*; current points at release r1 again and it is healthy\./);
  assert.match(second.stderr, /connection refused|unreachable/);
  assert.match(second.stderr, /boom: release 9\.9\.9-broken cannot start/, "the unit's last log lines are shown");
  assert.equal(box.current(), 'releases/r1');
  assert.equal(await ready(box.port), 200, 'r1 serves again');
  assert.equal(box.nginxTest().status, 0, 'nginx config still valid');
  assert.equal(box.standins.certbotCalls().filter((c) => c[0] === 'certonly').length, 1, 'a valid certificate is not requested again');
  const log = box.releaseLog();
  assert.deepEqual(log.map((r) => [r.id, r.event, r.health === 'warn' ? 'pass' : r.health]), [
    ['r1', 'deploy', 'pass'],
    ['r2', 'deploy', 'fail'],
    ['r1', 'auto-rollback', 'pass'],
  ]);
  assert.equal(log[1].version, '9.9.9-broken');
  assert.equal(log[1].previous, 'r1');
  assert.equal(log[0].migration, log[1].migration, 'both releases ship the same schema level');

  // 3. A good release again; --keep 2 prunes the failed r2 but keeps r1 (the one replaced).
  const third = await box.deploy(['--release-id', 'r3', '--keep', '2', '--from', PACKAGE_ROOT]);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(box.current(), 'releases/r3');
  assert.ok(!existsSync(`${box.paths.appDir}/releases/r2`), 'r2 pruned');
  assert.ok(existsSync(`${box.paths.appDir}/releases/r1`), 'r1 kept for rollback');

  // 4. Rollback returns to r1, the newest healthy release before r3.
  const back = await ttops(['rollback', '--prefix', box.prefix, '--json', '--health-retries', '40', '--health-interval', '250'], box.env);
  assert.equal(back.code, 0, back.stderr);
  const rolled = JSON.parse(back.stdout) as { release: string; previous: string; warnings: string[] };
  assert.deepEqual([rolled.release, rolled.previous, rolled.warnings], ['r1', 'r3', []]);
  assert.equal(box.current(), 'releases/r1');
  assert.equal(await ready(box.port), 200);
  assert.deepEqual(box.releaseLog().at(-1)?.event, 'rollback');
});

test('deploy rehearsal: nginx -t fails on the new config, so the previous files come back and nothing restarts', { timeout: 120_000 }, async (t) => {
  const box = await makeBox();
  t.after(() => {
    box.standins.stopApi();
    rmSync(box.dir, { recursive: true, force: true });
  });
  // A valid certificate already exists, so deploy goes straight to the TLS stage …
  const live = `${box.paths.letsencryptDir}/live/api.example.test`;
  mkdirSync(live, { recursive: true });
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '60', '-subj', '/CN=api.example.test',
    '-addext', 'subjectAltName=DNS:api.example.test,DNS:media.example.test', '-keyout', `${live}/privkey.pem`, '-out', `${live}/fullchain.pem`], { encoding: 'utf8' });
  assert.equal(ssl.status, 0, ssl.stderr);
  // … an older ttops site is enabled, and another site's http-level file clashes with ours.
  const site = `${box.paths.nginxDir}/sites-available/ttops.conf`;
  mkdirSync(`${box.paths.nginxDir}/sites-available`, { recursive: true });
  mkdirSync(`${box.paths.nginxDir}/sites-enabled`, { recursive: true });
  writeFileSync(site, '# the previous ttops site\n');
  symlinkSync(site, `${box.paths.nginxDir}/sites-enabled/ttops.conf`);
  writeFileSync(`${box.paths.nginxDir}/conf.d/other-site.conf`, "log_format ttops_noquery '$remote_addr';\n");
  assert.equal(box.nginxTest().status, 0, 'the box is fine before the deploy');

  const result = await box.deploy(['--release-id', 'r1', '--from', makeBrokenPackage(box.dir)]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /nginx rejected the new tls config, so the previous files are back and nginx was not reloaded/);
  assert.match(result.stderr, /duplicate "log_format" name/);
  assert.equal(readFileSync(site, 'utf8'), '# the previous ttops site\n', 'the replaced site is restored');
  assert.equal(readFileSync(`${box.paths.appDir}/nginx-backup/r1-tls${site}`, 'utf8'), '# the previous ttops site\n', 'and kept as a backup');
  for (const added of ['conf.d/ttops-http.conf', 'snippets/ttops-tls.conf']) assert.ok(!existsSync(`${box.paths.nginxDir}/${added}`), `${added} removed`);
  assert.ok(existsSync(`${box.paths.nginxDir}/sites-enabled/ttops.conf`), 'the site stays enabled as it was');
  assert.equal(box.nginxTest().status, 0, 'nginx -t passes again');
  const calls = box.standins.recorder.calls().map((c) => c.join(' '));
  assert.ok(!calls.some((c) => c.startsWith('reload') || c.startsWith('restart')), `nothing reloaded or restarted: ${calls.join(', ')}`);
  assert.ok(!existsSync(`${box.paths.appDir}/current`), 'current was never switched');
  const [entry] = box.releaseLog();
  assert.deepEqual([entry.id, entry.event, entry.health], ['r1', 'deploy', 'fail']);
  assert.match(String(entry.note), /^stopped at "nginx: TLS vhosts": nginx rejected/);
});
