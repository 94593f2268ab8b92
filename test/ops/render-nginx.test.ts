import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fillTemplate } from '../../src/ops/render/template.js';
import { NGINX_FILES, nginxDefaults, renderNginxHttpStage, renderNginxTls } from '../../src/ops/render/nginx.js';
import { GOLDEN_NGINX, assertGolden, makeNginxSandbox, nginxTest, writeMainConf, writeTree } from './fixtures/render-helpers.js';

test('fillTemplate fills every placeholder and refuses unknown or malformed ones', () => {
  assert.equal(fillTemplate('a {{x}} b {{y}} {{x}}', { x: 1, y: 'two' }), 'a 1 b two 1');
  assert.equal(fillTemplate('{{x}}', { x: '{{y}}' }), '{{y}}', 'values are not re-expanded');
  assert.throws(() => fillTemplate('{{x}} {{nope}}', { x: 1 }), /no value for \{\{nope\}\}/);
  assert.throws(() => fillTemplate('{{ x }}', { x: 1 }), /malformed \{\{ x \}\}/);
  assert.throws(() => fillTemplate('{{x', { x: 1 }), /unclosed/);
  assert.throws(() => fillTemplate('{{toString}}', {}), /no value for \{\{toString\}\}/);
});

test('nginxDefaults fills the deployed layout and derives the cert from the API domain', () => {
  const input = nginxDefaults({ apiDomain: 'api.example.com', mediaDomain: 'media.example.com' });
  assert.equal(input.certPath, '/etc/letsencrypt/live/api.example.com/fullchain.pem');
  assert.equal(input.keyPath, '/etc/letsencrypt/live/api.example.com/privkey.pem');
  assert.equal(input.mediaDir, '/var/lib/ttops/media');
  assert.equal(input.acmeWebroot, '/var/www/ttops-acme');
  assert.equal(input.upstreamPort, 8000);
  assert.equal(nginxDefaults({ ...input, certPath: '/c.pem' }).certPath, '/c.pem');
  assert.equal(nginxDefaults({ ...input, certPath: undefined }).certPath, input.certPath, 'undefined keeps the default');
});

test('render inputs that could inject nginx syntax are refused, naming the key', () => {
  const base = GOLDEN_NGINX;
  const bad: Array<[Partial<typeof base>, RegExp]> = [
    [{ apiDomain: 'api.example.test; include /etc/passwd' }, /apiDomain/],
    [{ mediaDomain: 'API.example.test' }, /mediaDomain equals apiDomain/],
    [{ mediaDir: 'relative/media' }, /mediaDir/],
    [{ certPath: '/etc/x y.pem' }, /certPath/],
    [{ upstreamPort: 0 }, /upstreamPort/],
    [{ wsTimeout: '1 hour' }, /wsTimeout/],
  ];
  for (const [change, message] of bad) {
    assert.throws(() => renderNginxTls({ ...base, ...change }), (err: Error & { code?: string }) => {
      assert.match(err.message, message);
      assert.equal(err.code, 'render_input_invalid');
      return true;
    });
  }
});

test('HTTP stage renders exactly the golden files', () => {
  const files = renderNginxHttpStage(GOLDEN_NGINX);
  assert.deepEqual(files.map((f) => [f.path, f.mode]), [['/etc/nginx/sites-available/ttops.conf', 0o644]]);
  assertGolden('nginx-http', files);
});

test('TLS stage renders exactly the golden files', () => {
  const files = renderNginxTls(GOLDEN_NGINX);
  assert.ok(files.every((f) => f.mode === 0o644));
  assertGolden('nginx-tls', files);
});

test('every TLS location with add_header also includes the security headers', () => {
  const site = renderNginxTls(GOLDEN_NGINX).find((f) => f.path.endsWith(NGINX_FILES.site))!.content;
  const locations = site.split(/\n    location /).slice(1);
  const withHeaders = locations.filter((block) => block.includes('add_header'));
  assert.ok(withHeaders.length > 0);
  for (const block of withHeaders) assert.match(block, /include \S+\/ttops-security-headers\.conf;/);
});

// nginx and openssl come from .ci/run (apt); without them these tests fail rather than skip.
const needsNginx = {};

test('nginx -t accepts the HTTP stage', needsNginx, (t) => {
  const box = makeNginxSandbox();
  t.after(() => rmSync(box.dir, { recursive: true, force: true }));
  const files = renderNginxHttpStage(box.input);
  writeTree('/', files);
  writeMainConf(box, [files[0].path]);
  const result = nginxTest(box);
  t.diagnostic(result.stderr.trim());
  assert.equal(result.status, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /\[(warn|emerg)\]/);
});

test('nginx -t accepts the TLS stage, and fails when the config is broken', needsNginx, (t) => {
  const box = makeNginxSandbox();
  t.after(() => rmSync(box.dir, { recursive: true, force: true }));
  const files = renderNginxTls(box.input);
  writeTree('/', files);
  const site = `${box.input.nginxDir}/${NGINX_FILES.site}`;
  const httpLevel = `${box.input.nginxDir}/conf.d/*.conf`;
  writeMainConf(box, [httpLevel, site]);
  const ok = nginxTest(box);
  t.diagnostic(ok.stderr.trim());
  assert.equal(ok.status, 0, ok.stderr);
  assert.doesNotMatch(ok.stderr, /\[(warn|emerg)\]/);

  // Without the http-level file the vhost refers to an undefined log format and variable.
  writeMainConf(box, [site]);
  const missing = nginxTest(box);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /unknown log format "ttops_noquery"|unknown "ttops_connection_upgrade" variable/);

  // A syntax error in the rendered vhost must fail too, so the check above can fail.
  writeMainConf(box, [httpLevel, site]);
  writeFileSync(site, readFileSync(site, 'utf8').replace('proxy_buffering off;', 'proxy_buffering off'));
  const broken = nginxTest(box);
  assert.notEqual(broken.status, 0);
  assert.match(broken.stderr, /test failed/);
});
