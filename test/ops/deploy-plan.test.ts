/**
 * The deploy plan as pure data: exact JSON for fixed inputs (golden file), the stage
 * choices (certificate present or not, --skip-tls), nginx backup/restore, pruning, and
 * `deploy --dry-run --json` / `deploy --root DIR --json` through the real binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { deployPhases, planDeploy } from '../../src/ops/deploy/plan.js';
import { planNginxStage } from '../../src/ops/deploy/plan-nginx.js';
import { deployPaths } from '../../src/ops/deploy/paths.js';
import { staticProblems } from '../../src/ops/deploy/preflight.js';
import { planToJson } from '../../src/ops/plan.js';
import { testConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/engines.js';
import { ttops } from '../helpers/cli.js';
import { assertGoldenText, fixedInput, freshFacts } from './fixtures/deploy/inputs.js';

const argvs = (plan: { commands: { argv: unknown[] }[] }) => plan.commands.map((c) => c.argv.map(String).join(' '));

test('a first deploy plans exactly the golden JSON: system, release, HTTP stage, certbot, TLS, units, migrate, switch, restart', () => {
  const json = planToJson(planDeploy(fixedInput(), freshFacts()));
  assertGoldenText('plan-first-deploy.json', `${JSON.stringify(json, null, 2)}\n`);
  const commands = json.commands.map((c) => c.argv.join(' '));
  const order = ['useradd', 'cp -a /usr/lib/node_modules/ttops/node_modules', 'nginx -t', 'certbot certonly', 'systemctl daemon-reload', 'migrate up', 'mv -T', 'systemctl restart ttops-api.service'];
  const at = order.map((needle) => commands.findIndex((c) => c.includes(needle)));
  assert.ok(at.every((i) => i >= 0), `every step is planned: ${at}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at, 'steps run in deploy order');
  assert.equal(commands.filter((c) => c.startsWith('nginx -t')).length, 2, 'nginx -t before each reload (HTTP stage, TLS stage)');
  const certbot = json.commands.find((c) => c.argv[0] === 'certbot')!.argv;
  assert.deepEqual(certbot.slice(certbot.indexOf('--deploy-hook')), ['--deploy-hook', '/etc/ttops/certbot-deploy-hook']);
  const hook = json.files.find((f) => f.path === '/etc/ttops/certbot-deploy-hook')!;
  assert.equal(hook.mode, 0o755);
  assert.match(hook.content, /^nginx -t -q -c \/etc\/nginx\/nginx.conf\nsystemctl reload-or-restart nginx.service\n$/m);
});

test('with a valid certificate the deploy goes straight to the TLS vhosts and skips certbot; an existing user and worker are kept', () => {
  const facts = freshFacts({ userExists: true, nginxUserReady: true, certificate: { ok: true, reason: 'valid' }, workersEnabled: true, current: 'r0', releases: ['r0'] });
  const phases = deployPhases(fixedInput(), facts);
  assert.deepEqual(phases.map((p) => p.kind), ['plan', 'plan', 'nginx', 'plan', 'plan', 'switch', 'plan', 'gate']);
  const plan = planDeploy(fixedInput(), facts);
  const commands = argvs(plan);
  assert.ok(!commands.some((c) => c.startsWith('certbot') || c.startsWith('useradd') || c.startsWith('usermod')));
  assert.ok(commands.includes('systemctl restart ttops-workers.target'));
  assert.ok(plan.files.some((f) => f.path === '/etc/nginx/conf.d/ttops-http.conf'), 'TLS stage writes the http-level file');
});

test('--skip-tls stops at the HTTP stage: no certbot, no 443 vhosts', () => {
  const plan = planDeploy(fixedInput({ tls: { skip: true, staging: false } }), freshFacts());
  assert.ok(!argvs(plan).some((c) => c.startsWith('certbot')));
  const site = plan.files.find((f) => f.path === '/etc/nginx/sites-available/ttops.conf')!;
  assert.doesNotMatch(site.content, /listen 443/);
  assert.match(site.content, /acme-challenge/);
});

test('nginx files about to be replaced are backed up, and the restore plan puts them back and removes new ones', () => {
  const input = fixedInput();
  const site = '/etc/nginx/sites-available/ttops.conf';
  const plans = planNginxStage(input, 'tls', { nginxFiles: { [site]: '# the old site\n', '/etc/nginx/conf.d/ttops-http.conf': null }, siteEnabled: true });
  const backup = plans.apply.files.find((f) => f.path === `/opt/ttops/nginx-backup/${input.releaseId}-tls${site}`);
  assert.equal(backup?.content, '# the old site\n');
  assert.ok(plans.apply.files.indexOf(backup!) < plans.apply.files.findIndex((f) => f.path === site), 'backup written before the new file');
  assert.deepEqual(plans.restore.files.map((f) => [f.path, f.content]), [[site, '# the old site\n']]);
  const restore = argvs(plans.restore);
  assert.ok(restore.includes('rm -f -- /etc/nginx/conf.d/ttops-http.conf'), 'a conf.d file that did not exist is removed (it would break every site)');
  assert.ok(!restore.some((c) => c.includes('sites-enabled')), 'a site that was enabled stays enabled');
  assert.equal(argvs(plans.check)[0], 'nginx -t -q -c /etc/nginx/nginx.conf');
  assert.equal(argvs(plans.reload)[0], 'systemctl reload-or-restart nginx.service');
});

test('pruning keeps the newest N, the new release and the one it replaced', () => {
  const facts = freshFacts({ releases: ['a', 'b', 'c', 'd'], current: 'b' });
  const plan = planDeploy(fixedInput({ keep: 2 }), facts);
  assert.deepEqual(argvs(plan).filter((c) => c.startsWith('rm -rf')), ['rm -rf -- /opt/ttops/releases/a', 'rm -rf -- /opt/ttops/releases/c', 'rm -rf -- /opt/ttops/releases/d']);
});

test('paths: every default moves under --prefix; the env file home overrides and media follows it', () => {
  const p = deployPaths({ prefix: '/tmp/box' });
  assert.equal(p.appDir, '/tmp/box/opt/ttops');
  assert.equal(p.nginxConf, '/tmp/box/etc/nginx/nginx.conf');
  assert.equal(p.unitDir, '/tmp/box/etc/systemd/system');
  const q = deployPaths({ overrides: { home: '/srv/ttops/' } });
  assert.equal(q.home, '/srv/ttops');
  assert.equal(q.mediaDir, '/srv/ttops/media');
});

test('static preflight names each problem in one sentence: dev env, weak secrets, old node, node under /root', () => {
  const config = testConfig({ JWT_SECRET: 'short', SERVER_HOST: 'https://api.example.test' });
  const problems = staticProblems(fixedInput({ nodeBin: '/root/.nvm/node' }), config, '18.19.0');
  assert.equal(problems.length, 5, problems.join('\n'));
  assert.match(problems[0], /node 18\.19\.0 is too old; ttops needs 20\.19/);
  assert.match(problems[1], /ProtectHome=yes/);
  assert.match(problems[2], /TTOPS_ENV is dev/);
  assert.match(problems[3], /JWT_SECRET is 5 bytes/);
  assert.match(problems[4], /ADMIN_API_KEY is not set/);
});

/** A prod env file for the binary tests. */
function writeProdEnv(dir: string): string {
  const file = path.join(dir, 'ttops.env');
  writeFileSync(file, ['TTOPS_ENV=prod', 'SERVER_HOST=https://api.example.test', 'MEDIA_BASE_URL=https://media.example.test', 'JWT_SECRET=3f9c1e7a5b2d8046e1c9a7f35b2d8e04c6a1f0b9d7e3528a4c6e1f7b9d0a2c5e', 'ADMIN_API_KEY=Zq4Lm8Xv2Tn6Rb0Wc3Yd7Kf1Gh5Js9Pe', ''].join('\n'), { mode: 0o600 });
  return file;
}

test('deploy --dry-run --json prints {files, commands} and changes nothing', async (t) => {
  const dir = tempDir('ttops-deploy-dry-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const envFile = writeProdEnv(dir);
  const before = readdirSync(dir);
  const result = await ttops(['deploy', '--dry-run', '--json', '--prefix', path.join(dir, 'box'), '--release-id', 'r1'], { TTOPS_ENV_FILE: envFile });
  assert.equal(result.code, 0, result.stderr);
  const plan = JSON.parse(result.stdout) as { files: { path: string; mode: number; content: string }[]; commands: { argv: string[]; why: string }[] };
  assert.ok(plan.files.some((f) => f.path === `${dir}/box/etc/systemd/system/ttops-api.service`));
  assert.ok(plan.commands.every((c) => Array.isArray(c.argv) && typeof c.why === 'string'));
  assert.deepEqual(readdirSync(dir), before, 'nothing written');
  assert.equal(statSync(envFile).mode & 0o777, 0o600, 'the env file is untouched');
});

test('deploy --root DIR --json writes nginx and systemd files under DIR and lists the commands it skipped', async (t) => {
  const dir = tempDir('ttops-deploy-root-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const envFile = writeProdEnv(dir);
  const root = path.join(dir, 'stage');
  mkdirSync(root);
  const result = await ttops(['deploy', '--root', root, '--json', '--release-id', 'r1'], { TTOPS_ENV_FILE: envFile });
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout) as { release: string; root: string; written: string[]; skipped: string[][]; health: string };
  assert.equal(out.release, 'r1');
  assert.equal(out.health, 'skipped');
  for (const file of ['etc/nginx/sites-available/ttops.conf', 'etc/nginx/conf.d/ttops-http.conf', 'etc/nginx/snippets/ttops-tls.conf', 'etc/systemd/system/ttops-api.service', 'etc/systemd/system/ttops-worker@.service', 'etc/ttops/certbot-deploy-hook', 'opt/ttops/releases.jsonl']) {
    assert.ok(existsSync(path.join(root, file)), `${file} staged`);
  }
  assert.match(readFileSync(path.join(root, 'etc/systemd/system/ttops-api.service'), 'utf8'), /EnvironmentFile=.*ttops\.env/);
  const skipped = out.skipped.map((a) => a.join(' '));
  for (const needle of ['nginx -t -q -c /etc/nginx/nginx.conf', 'certbot certonly', 'systemctl daemon-reload', 'systemctl restart ttops-api.service', 'mv -T /opt/ttops/.current-r1 /opt/ttops/current']) {
    assert.ok(skipped.some((c) => c.startsWith(needle)), `skipped ${needle}`);
  }
  assert.match(result.stderr, /skipped \(--root\) systemctl daemon-reload/);
  assert.ok(!existsSync(path.join(root, 'opt/ttops/releases/r1')), 'copying the release is a command, so --root skips it');
});
