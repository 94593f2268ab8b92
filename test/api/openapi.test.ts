/**
 * The API documents itself: `/openapi.json` is a well-formed OpenAPI 3.0 document listing
 * every route the app registers (read from its route tree, so a new route without docs
 * fails here), each with a summary, a tag, a success response with a schema and the shared
 * error body for 4xx; the security it declares is the security the route enforces; and
 * `/docs` is a page whose every asset is served by the app itself (no CDN).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { makeStreamer, makeTestApp, type TestApp } from '../helpers/app.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { DOCS_PREFIX } from '../../src/api/openapi.js';
import { packagePath } from '../../src/paths.js';
import { routesOf } from '../helpers/routes.js';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Spec {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let engine: TestEngine;
let t: TestApp;
let spec: Spec;
before(async () => {
  engine = await sqliteEngine();
  t = await makeTestApp(engine);
  await t.app.ready();
  const r = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(r.statusCode, 200, r.body);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  spec = r.json() as Spec;
});
after(async () => {
  await t.close();
  await engine.cleanup();
});

/** A router path as OpenAPI writes it: `:id` → `{id}`, `*` → `{*}`, no trailing slash. */
function openapiPath(path: string): string {
  const p = path.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}');
  return p.length > 1 ? p.replace(/\/$/, '') : p;
}

function operations(): { method: string; path: string; op: Operation }[] {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

/** Every `$ref` anywhere in a value. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

test('the document is OpenAPI 3.0 with the package’s name, version and description, tags and security schemes', () => {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { name: string; version: string; description: string };
  assert.match(spec.openapi, /^3\.0\.\d+$/);
  assert.deepEqual(spec.info, { title: pkg.name, version: pkg.version, description: pkg.description });
  assert.ok(Object.keys(spec.paths).length > 0);
  for (const path of Object.keys(spec.paths)) assert.match(path, /^\//, `path ${path} starts with /`);
  assert.deepEqual(spec.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'the `access_token` of login or redeem' });
  assert.equal(spec.components.securitySchemes.adminApiKey.in, 'header');
  assert.equal(spec.components.securitySchemes.adminApiKey.name, 'Admin-Api-Key');
  assert.ok(spec.components.schemas.ErrorBody, 'ErrorBody is a named component');
  // Every reference points at a component that exists (and nothing is left as a `def-N` stand-in name).
  for (const ref of refs(spec)) {
    const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
    assert.ok(m && spec.components.schemas[m[1]], `$ref ${ref} resolves`);
  }
  assert.ok(!Object.keys(spec.components.schemas).some((k) => /^def-\d+$/.test(k)), Object.keys(spec.components.schemas).join(', '));
});

test('every route the app registers is in the document with its method (HEAD and the docs page’s own routes aside)', () => {
  const routes = routesOf(t.app.printRoutes());
  const expected = new Set(routes.filter((r) => r.method !== 'HEAD' && !r.path.startsWith(DOCS_PREFIX)).map((r) => `${r.method.toLowerCase()} ${openapiPath(r.path)}`));
  // The parse found the routes the clients use, so an empty or broken parse cannot pass.
  for (const known of ['get /', 'get /metrics', 'get /openapi.json', 'get /v2/auth/me', 'patch /v2/auth/me', 'post /v2/jobs', 'get /v2/jobs/{id}', 'post /v2/sounds/upload', 'get /v2/ws', 'post /v2/live/simulate', 'get /static/{*}', 'get /v2/products', 'post /v2/orders', 'get /v2/orders/{id}', 'get /buy', 'post /buy', 'get /orders/{id}', 'get /account']) {
    assert.ok(expected.has(known), `${known} in the route tree: ${[...expected].join(', ')}`);
  }
  const documented = new Set(operations().map((o) => `${o.method} ${o.path}`));
  assert.deepEqual([...expected].filter((r) => !documented.has(r)), [], 'routes missing from /openapi.json');
  assert.deepEqual([...documented].filter((r) => !expected.has(r)), [], 'documented operations with no route');
});

test('every operation has a summary, a declared tag, a success response with a schema, the ErrorBody for 4xx, and its path parameters', () => {
  const declaredTags = new Set(spec.tags.map((tag) => tag.name));
  for (const { method, path, op } of operations()) {
    const what = `${method.toUpperCase()} ${path}`;
    assert.ok(op.summary && op.summary.length > 3, `${what} has a summary`);
    assert.ok(op.tags?.length && op.tags.every((tag) => declaredTags.has(tag)), `${what} has declared tags: ${op.tags}`);
    // Success: a 2xx (or, for the socket, the 101 of the upgrade; for a provider's browser return, the 303 on) whose content has a schema.
    const successes = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s) || (s === '101' && path === '/v2/ws') || (s === '303' && path.startsWith('/v2/payments/')));
    assert.ok(successes.length > 0, `${what} documents a success status: ${Object.keys(op.responses)}`);
    for (const status of successes) {
      const response = op.responses[status];
      if (status === '101' || status === '303') continue; // no body: the connection becomes a socket, or the browser goes on
      const content = Object.entries(response.content ?? {});
      assert.ok(content.length > 0, `${what} ${status} has content`);
      for (const [type, media] of content) {
        const json = /json/.test(type);
        assert.ok(!json || (media.schema && Object.keys(media.schema).length > 0), `${what} ${status} ${type} has a schema`);
      }
    }
    const refused = op.responses['4XX'];
    assert.ok(refused, `${what} documents 4XX`);
    assert.equal(refused.content?.['application/json']?.schema?.$ref, '#/components/schemas/ErrorBody', `${what} 4XX is the ErrorBody`);
    for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
      assert.ok(op.parameters?.some((p) => p.in === 'path' && p.name === name && p.required === true), `${what} declares path parameter ${name}`);
    }
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) assert.ok(media.schema, `${what} request body ${type} has a schema`);
  }
  // The upload is documented as multipart with its `file` field.
  const upload = spec.paths['/v2/sounds/upload'].post.requestBody!.content;
  assert.deepEqual(Object.keys(upload), ['multipart/form-data']);
  assert.deepEqual((upload['multipart/form-data'].schema as { properties: Record<string, unknown> }).properties.file, { type: 'string', format: 'binary', description: 'the audio file' });
  // /metrics is Prometheus text, not JSON.
  assert.match(Object.keys(spec.paths['/metrics'].get.responses['200'].content!)[0], /^text\/plain/);
});

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  required?: string[];
  minProperties?: number;
  properties?: Record<string, JsonSchema>;
}

/** The smallest value a documented schema accepts (required fields only), to get past validation to the guard. */
function sample(schema: JsonSchema): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (schema.enum) return schema.enum[0];
  if (type === 'integer' || type === 'number') return schema.minimum ?? 1;
  if (type === 'boolean') return true;
  if (type === 'array') return [];
  if (type !== 'object') return 'a';
  const props = schema.properties ?? {};
  const keys = [...(schema.required ?? [])];
  if (keys.length < (schema.minProperties ?? 0)) keys.push(Object.keys(props).find((k) => props[k].type === 'boolean')!);
  return Object.fromEntries(keys.map((k) => [k, sample(props[k])]));
}

test('the security each operation declares is what the route enforces', async () => {
  for (const { method, path, op } of operations()) {
    if (path.includes('{')) continue; // covered by its siblings; a made-up id would only say 404
    const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
    // An empty requirement among the alternatives means the credentials are optional.
    const optional = (op.security ?? []).some((s) => Object.keys(s).length === 0);
    // A body the schema accepts, so validation (which runs before the guards) lets the request through.
    const body = op.requestBody?.content['application/json']?.schema;
    const payload = method === 'get' ? undefined : JSON.stringify(body ? sample(body as JsonSchema) : {});
    const r = await t.app.inject({ method: method.toUpperCase() as 'GET', url: path, headers: { 'content-type': 'application/json' }, payload });
    const code = r.statusCode === 401 ? (r.json() as { error: { code: string } }).error.code : '';
    if (optional) assert.ok(!['token_missing', 'admin_key_missing'].includes(code), `${method} ${path} declares optional credentials but wants them: ${r.body.slice(0, 200)}`);
    else if (schemes.includes('bearerAuth')) assert.equal(code, 'token_missing', `${method} ${path} without a token → ${r.statusCode} ${r.body.slice(0, 200)}`);
    else if (schemes.includes('adminApiKey')) assert.equal(code, 'admin_key_missing', `${method} ${path} without the key → ${r.statusCode} ${r.body.slice(0, 200)}`);
    else assert.ok(!['token_missing', 'admin_key_missing'].includes(code), `${method} ${path} declares no security but wants credentials: ${r.body.slice(0, 200)}`);
  }
});

test('response schemas keep every field the clients read: /v2/auth/me has exactly the contract fields', async () => {
  const { auth } = await makeStreamer(t, 'docsreader');
  const me = await t.app.inject({ method: 'GET', url: '/v2/auth/me', headers: auth });
  assert.equal(me.statusCode, 200);
  const contract = ['id', 'username', 'voice_id', 'tts_enabled', 'gift_sounds_enabled', 'tts_volume', 'gifts_volume', 'tiktok_username', 'plan', 'license_expires_at', 'credits'];
  assert.deepEqual(Object.keys(me.json()).sort(), [...contract].sort());
  const documented = spec.paths['/v2/auth/me'].get.responses['200'].content!['application/json'].schema as { properties: Record<string, unknown>; required: string[] };
  assert.deepEqual(Object.keys(documented.properties).sort(), [...contract].sort());
  assert.deepEqual([...documented.required].sort(), [...contract].sort());
  // An error goes through the ErrorBody schema unchanged.
  const refused = await t.app.inject({ method: 'GET', url: '/v2/auth/me' });
  assert.equal(refused.statusCode, 401);
  assert.deepEqual(Object.keys(refused.json()), ['error']);
  assert.deepEqual(Object.keys(refused.json().error).sort(), ['code', 'message']);
});

test('/docs is an HTML page whose every script, stylesheet and icon the app serves itself', async () => {
  for (const url of [DOCS_PREFIX, `${DOCS_PREFIX}/`]) {
    const page = await t.app.inject({ method: 'GET', url });
    assert.equal(page.statusCode, 200, url);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const assets = [...page.body.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('swagger-ui-bundle.js')) && assets.some((a) => a.endsWith('swagger-ui.css')), `${url} loads the UI: ${assets.join(', ')}`);
    for (const asset of assets) {
      assert.doesNotMatch(asset, /^(?:[a-z]+:)?\/\//i, `${url} references ${asset}: not a local asset`);
      const resolved = new URL(asset, `http://localhost${url}`).pathname;
      const r = await t.app.inject({ method: 'GET', url: resolved });
      assert.equal(r.statusCode, 200, `${asset} (${resolved}) from ${url}`);
      assert.ok(r.rawPayload.length > 0, `${resolved} is not empty`);
    }
  }
  // The page's script loads the document from ./json, which is the same document.
  const init = await t.app.inject({ method: 'GET', url: `${DOCS_PREFIX}/static/swagger-initializer.js` });
  assert.match(init.body, /resolveUrl\('\.\/json'\)/);
  assert.doesNotMatch(init.body, /validatorUrl: "http/, 'no online validator');
  const json = await t.app.inject({ method: 'GET', url: `${DOCS_PREFIX}/json` });
  assert.deepEqual(json.json(), spec);
});
