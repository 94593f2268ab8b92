/**
 * Real TLS, end to end, against a private ACME CA (Pebble): the deploy plan's HTTP stage in
 * a real nginx, the plan's own `certbot certonly --webroot` argv (only certbot's work and log
 * dirs moved to the temp dir) validated by Pebble through that nginx, the plan's TLS stage
 * reloaded by the plan's deploy hook and reload command, an HTTPS request through nginx to a
 * real `ttops serve`, then `certbot renew --force-renewal`: the stored deploy hook runs and
 * nginx serves the new certificate. Ports are free ones, so the rendered vhosts get
 * httpPort/httpsPort instead of 80/443 — the only difference from the planned files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import { certCovers } from '../../src/ops/certbot.js';
import { deployPhases, type Phase } from '../../src/ops/deploy/plan.js';
import { nginxInputFor } from '../../src/ops/deploy/plan-nginx.js';
import { certFiles, deployPaths } from '../../src/ops/deploy/paths.js';
import type { DeployInput } from '../../src/ops/deploy/input.js';
import { cmd, type Plan } from '../../src/ops/plan.js';
import { renderNginxHttpStage, renderNginxTls } from '../../src/ops/render/nginx.js';
import { runCommand, runPlan } from '../../src/ops/runner.js';
import { startServe, stop } from '../helpers/cli.js';
import { tempDir } from '../helpers/engines.js';
import { fixedInput, freshFacts } from './fixtures/deploy/inputs.js';
import { freePort, waitForPort, writeMainConf } from './fixtures/render-helpers.js';
import { startPebble } from './pebble-helpers.js';

const API = 'api.ttops.test';
const MEDIA = 'media.ttops.test';

/** `systemctl` for the hook and the reload plans: records the call (and certbot's lineage), reloads the test nginx. */
function writeSystemctlStandin(file: string, nginxConf: string, callLog: string): void {
  writeFileSync(file, [
    '#!/bin/sh',
    '# ttops test stand-in for systemctl: only `reload-or-restart nginx.service`, sent to the test nginx.',
    `echo "$* lineage=\${RENEWED_LINEAGE:-}" >> '${callLog}'`,
    `[ "$*" = "reload-or-restart nginx.service" ] && exec nginx -c '${nginxConf}' -s reload`,
    'echo "stand-in systemctl: unexpected $*" >&2; exit 1',
    '',
  ].join('\n'));
  chmodSync(file, 0o755);
}

/** The certificate nginx presents for `servername`, verified against `ca`. */
function servedCert(port: number, servername: string, ca: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

/** Polls until nginx presents the certificate with `serial` (a reload is asynchronous). */
async function waitForServed(port: number, ca: string, serial: string, deadline = Date.now() + 15_000): Promise<tls.PeerCertificate> {
  let last = 'nothing yet';
  while (Date.now() < deadline) {
    try {
      const cert = await servedCert(port, API, ca);
      if (cert.serialNumber === serial) return cert;
      last = `serial ${cert.serialNumber}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nginx never served serial ${serial} (last: ${last})`);
}

function httpsGet(port: number, host: string, pathname: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: pathname, servername: host, ca, agent: false, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

const leafSerial = (pem: string) => new X509Certificate(pem).serialNumber;

function phaseOf<K extends Phase['kind']>(phases: Phase[], kind: K, stage?: string): Extract<Phase, { kind: K }> {
  const found = phases.find((p) => p.kind === kind && (stage === undefined || (p.kind === 'nginx' && p.stage === stage)));
  assert.ok(found, `the deploy plan has a ${kind} ${stage ?? ''} phase`);
  return found as Extract<Phase, { kind: K }>;
}

test('certbot obtains a certificate from Pebble through the planned ACME webroot, nginx serves it to ttops serve, and a renewal reloads nginx', async (t) => {
  const dir = tempDir('ttops-pebble-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755); // nginx workers (nobody, when the test runs as root) read the webroot below it
  const [httpPort, httpsPort] = [await freePort(), await freePort()];

  const pebble = await startPebble(dir, httpPort);
  t.after(() => pebble.stop());
  const server = await startServe({ TTOPS_HOME: path.join(dir, 'home') });
  t.after(() => stop(server.child));

  const box = path.join(dir, 'box');
  const paths = deployPaths({ prefix: box });
  const systemctl = path.join(dir, 'systemctl');
  const systemctlCalls = path.join(dir, 'systemctl-calls.log');
  const input: DeployInput = fixedInput({
    paths,
    apiDomain: API,
    mediaDomain: MEDIA,
    apiPort: Number(new URL(server.url).port),
    systemctl,
    tls: { skip: false, acmeServer: pebble.directoryUrl, staging: false },
  });
  writeSystemctlStandin(systemctl, paths.nginxConf, systemctlCalls);
  // What planSystem creates (it also runs useradd, which a test cannot): the webroot and nginx's own dirs.
  for (const sub of [paths.acmeWebroot, paths.nginxDir, `${box}/log`, `${box}/temp`]) mkdirSync(sub, { recursive: true });
  writeMainConf({ dir: box, input: nginxInputFor(input), mainConf: paths.nginxConf }, [`${paths.nginxDir}/conf.d/*.conf`, `${paths.nginxDir}/sites-enabled/*`]);

  let log = '';
  const io = {
    stdout: new Writable({ write: (c, _e, done) => { log += c; done(); } }),
    stderr: new Writable({ write: (c, _e, done) => { log += c; done(); } }),
    env: process.env,
    cwd: dir,
    isTty: false,
  };
  const run = (plan: Plan) => runPlan(plan, { io }).catch((error: Error) => {
    throw new Error(`${error.message}\n--- runner\n${log}\n--- pebble\n${pebble.output()}`);
  });

  const phases = deployPhases(input, freshFacts());
  let nginx: ChildProcess | undefined;
  t.after(async () => {
    if (nginx) await stop(nginx);
  });
  /** One nginx stage as the plan has it: apply (with the test's ports), nginx -t, reload. */
  const stage = async (which: 'http' | 'tls') => {
    const phase = phaseOf(phases, 'nginx', which);
    const render = which === 'http' ? renderNginxHttpStage : renderNginxTls;
    assert.deepEqual(phase.plans.apply.files.map((f) => [f.path, f.content]), render(nginxInputFor(input)).map((f) => [f.path, f.content]), 'the plan writes exactly the rendered files');
    await run({ ...phase.plans.apply, files: render({ ...nginxInputFor(input), httpPort, httpsPort }) });
    await run(phase.plans.check);
    if (!nginx) {
      // With a master process: a single-process nginx (master_process off) answers a reload by
      // writing its log lines into client sockets. Run as root, its workers are `nobody`.
      nginx = spawn('nginx', ['-c', paths.nginxConf, '-p', `${box}/`, '-g', 'daemon off;'], { stdio: 'ignore' });
      await waitForPort(httpPort);
    }
    await run(phase.plans.reload);
  };

  // 1. HTTP stage: port 80's vhost with the ACME webroot.
  await stage('http');

  // 2. certbot exactly as planned, against Pebble; only its work and log dirs move into the temp dir.
  const certbot = phaseOf(phases, 'certbot');
  const planned = certbot.plan.commands[0].argv.map(String);
  assert.deepEqual(planned.slice(0, 5), ['certbot', 'certonly', '--webroot', '-w', paths.acmeWebroot]);
  assert.deepEqual(planned.slice(planned.indexOf('--server'), planned.indexOf('--server') + 2), ['--server', pebble.directoryUrl]);
  assert.deepEqual(planned.slice(-2), ['--deploy-hook', paths.certbotHook]);
  const certbotEnv = { REQUESTS_CA_BUNDLE: pebble.listenerCaFile };
  const dirs = ['--work-dir', `${box}/var/lib/letsencrypt`, '--logs-dir', `${box}/var/log/letsencrypt`];
  await run({ ...certbot.plan, commands: [{ ...certbot.plan.commands[0], argv: [...planned, ...dirs], env: certbotEnv }] });

  const cert = certFiles(paths, API);
  const first = readFileSync(cert.cert, 'utf8');
  assert.equal(certCovers(first, [API, MEDIA], new Date()).ok, true, certCovers(first, [API, MEDIA], new Date()).reason);
  const challenges = () => readFileSync(`${box}/log/access.log`, 'utf8').match(/"GET \/\.well-known\/acme-challenge\/\S+ HTTP\/1\.1" 200 /g)?.length ?? 0;
  const firstChallenges = challenges();
  assert.ok(firstChallenges >= 2, 'Pebble fetched both challenges from nginx');
  const hookCalls = () => readFileSync(systemctlCalls, 'utf8').split('\n').filter((l) => l.includes(`lineage=${paths.letsencryptDir}/live/${API}`));
  assert.equal(hookCalls().length, 1, 'certbot ran the planned deploy hook once');

  // 3. TLS stage with the obtained certificate; HTTPS through nginx to ttops serve, trusting Pebble's root.
  await stage('tls');
  const root = await pebble.issuingRoot();
  const firstServed = await waitForServed(httpsPort, root, leafSerial(first));
  assert.match(firstServed.subjectaltname ?? '', /DNS:media\.ttops\.test/);
  const health = await httpsGet(httpsPort, API, '/health', root);
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body).status, 'pass');

  // 4. Renewal: certbot renew reads the lineage's stored options (server, webroot, deploy hook).
  const renewal = readFileSync(`${paths.letsencryptDir}/renewal/${API}.conf`, 'utf8');
  assert.match(renewal, new RegExp(`^renew_hook = ${paths.certbotHook}$`, 'm'));
  assert.match(renewal, /^authenticator = webroot$/m);
  await runCommand({
    ...cmd('renew every certificate now', 'certbot', 'renew', '--force-renewal', '--no-random-sleep-on-renew', '--non-interactive', '--config-dir', paths.letsencryptDir, ...dirs),
    env: certbotEnv,
  }).catch((error: Error) => {
    throw new Error(`${error.message}\n--- pebble\n${pebble.output()}`);
  });
  const second = readFileSync(cert.cert, 'utf8');
  assert.notEqual(leafSerial(second), leafSerial(first), 'a new certificate');
  assert.equal(hookCalls().length, 2, 'the renewal ran the deploy hook');
  assert.ok(challenges() >= firstChallenges + 2, 'the renewal was validated through the TLS-stage port-80 vhost');
  const secondServed = await waitForServed(httpsPort, root, leafSerial(second));
  assert.notEqual(secondServed.serialNumber, firstServed.serialNumber, 'nginx reloaded and serves the renewed certificate');
  assert.equal((await httpsGet(httpsPort, API, '/health', root)).status, 200);
  assert.ok(existsSync(`${box}/nginx.pid`));
});
