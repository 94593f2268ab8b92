/**
 * certbot: the exact `certonly --webroot` argv for each option, the deploy hook script
 * (run for real: it reloads nginx only when `nginx -t` passes), and the check that decides
 * whether an existing certificate can be kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { certCovers, planCertbot, renderDeployHook, type CertbotInput } from '../../src/ops/certbot.js';
import { tempDir } from '../helpers/engines.js';
import { installSystemctlStandin } from '../helpers/systemctl-standin.js';

const BASE: CertbotInput = {
  apiDomain: 'api.example.test',
  mediaDomain: 'media.example.test',
  webroot: '/var/www/ttops-acme',
  letsencryptDir: '/etc/letsencrypt',
  hookPath: '/etc/ttops/certbot-deploy-hook',
  nginxTest: ['nginx', '-t', '-q', '-c', '/etc/nginx/nginx.conf'],
  nginxReload: ['systemctl', 'reload-or-restart', 'nginx.service'],
};

test('certonly --webroot for both names, non-interactive, with the hook file instead of a shell string', () => {
  const plan = planCertbot(BASE);
  assert.deepEqual(plan.commands.map((c) => c.argv), [[
    'certbot', 'certonly', '--webroot', '-w', '/var/www/ttops-acme', '--cert-name', 'api.example.test',
    '-d', 'api.example.test', '-d', 'media.example.test', '--non-interactive', '--agree-tos', '--keep-until-expiring', '--expand',
    '--register-unsafely-without-email', '--deploy-hook', '/etc/ttops/certbot-deploy-hook',
  ]]);
  assert.deepEqual(plan.files.map((f) => [f.path, f.mode]), [['/etc/ttops/certbot-deploy-hook', 0o755]]);
});

test('--email, --server (a test CA), --staging and a non-default config dir reach certbot', () => {
  const argv = planCertbot({ ...BASE, email: 'ops@example.test', acmeServer: 'https://127.0.0.1:14000/dir', staging: true, letsencryptDir: '/tmp/box/etc/letsencrypt', certbotBin: '/opt/certbot' }).commands[0].argv;
  assert.equal(argv[0], '/opt/certbot');
  const tail = argv.slice(argv.indexOf('--expand') + 1);
  assert.deepEqual(tail, ['--email', 'ops@example.test', '--no-eff-email', '--server', 'https://127.0.0.1:14000/dir', '--staging', '--config-dir', '/tmp/box/etc/letsencrypt', '--deploy-hook', '/etc/ttops/certbot-deploy-hook']);
});

test('the deploy hook reloads nginx only when nginx -t passes (run with sh against a real nginx)', (t) => {
  const dir = tempDir('ttops-hook-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const systemctl = installSystemctlStandin(path.join(dir, 'systemctl'));
  mkdirSync(path.join(dir, 'log'));
  const conf = path.join(dir, 'nginx.conf');
  const good = `pid ${dir}/nginx.pid;\nerror_log ${dir}/log/error.log;\nevents { worker_connections 16; }\nhttp { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi; }\n`;
  const hook = path.join(dir, 'hook');
  writeFileSync(hook, renderDeployHook({ nginxTest: ['nginx', '-t', '-q', '-c', conf], nginxReload: [systemctl.bin, 'reload-or-restart', 'nginx.service'] }), { mode: 0o755 });
  assert.match(readFileSync(hook, 'utf8'), /^#!\/bin\/sh\n[\s\S]*\nset -eu\nnginx -t -q -c \S+\n\S+ reload-or-restart nginx\.service\n$/);

  writeFileSync(conf, good);
  const ok = spawnSync('/bin/sh', ['-c', hook], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(systemctl.calls(), [['reload-or-restart', 'nginx.service']]);

  writeFileSync(conf, good.replace('http {', 'http { bogus_directive on;'));
  const bad = spawnSync('/bin/sh', ['-c', hook], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown directive "bogus_directive"/);
  assert.equal(systemctl.calls().length, 1, 'no reload after a failed check');
});

function selfSigned(dir: string, names: string[], days: number): string {
  const out = path.join(dir, `${names.join('+')}-${days}.pem`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days), '-subj', `/CN=${names[0]}`,
    '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`, '-keyout', path.join(dir, 'key.pem'), '-out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8');
}

test('an existing certificate is kept only when it covers both names and has more than a week left', (t) => {
  const dir = tempDir('ttops-cert-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const now = new Date();
  const both = certCovers(selfSigned(dir, ['api.example.test', 'media.example.test'], 60), ['api.example.test', 'media.example.test'], now);
  assert.equal(both.ok, true, both.reason);
  assert.match(both.reason, /covers api\.example\.test and media\.example\.test until \d{4}-\d\d-\d\d/);
  assert.deepEqual(certCovers(selfSigned(dir, ['api.example.test'], 60), ['api.example.test', 'media.example.test'], now), { ok: false, reason: 'it does not cover media.example.test' });
  const soon = certCovers(selfSigned(dir, ['api.example.test', 'media.example.test'], 3), ['api.example.test', 'media.example.test'], now);
  assert.equal(soon.ok, false);
  assert.match(soon.reason, /expires in [23] days/);
  assert.deepEqual(certCovers('not a pem', ['a.test'], now), { ok: false, reason: 'the certificate file cannot be parsed' });
});
