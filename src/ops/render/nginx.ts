/**
 * nginx config for `ttops deploy`, rendered from nginx-templates/. Two stages: before a
 * certificate exists only port 80 (ACME webroot + redirect); after certbot the API and
 * media vhosts on 443. Every absolute path is an input so tests can point all of them at
 * a temp dir and run the real `nginx -t`.
 */
import { ConfigError } from '../../errors.js';
import { fillTemplate, loadTemplate, type RenderedFile, type TemplateVars } from './template.js';
import { check, checkPort, definedOnly, trimSlash } from './validate.js';

/** Everything the nginx files depend on; build one with nginxDefaults(). */
export interface NginxInput {
  /** Public name of the API; also the certbot lineage name (`--cert-name`). */
  apiDomain: string;
  /** Public name serving `/static/` media. */
  mediaDomain: string;
  /** Address `ttops serve` listens on. */
  upstreamHost: string;
  /** Port `ttops serve` listens on. */
  upstreamPort: number;
  /** Directory holding `static/sounds` and `static/tts`. */
  mediaDir: string;
  /** certbot `--webroot -w` directory. */
  acmeWebroot: string;
  /** Certificate chain covering both domains (certbot `fullchain.pem`). */
  certPath: string;
  /** Its private key (certbot `privkey.pem`). */
  keyPath: string;
  /** nginx config root: files go to its sites-available/, snippets/ and conf.d/. */
  nginxDir: string;
  /** Where the API access log is written. */
  logDir: string;
  /** 80 in production; free ports when a test runs nginx for real. */
  httpPort: number;
  httpsPort: number;
  /** Request body limit; uploads are ≤100 KB. */
  clientMaxBodySize: string;
  /** Idle timeout of the WebSocket location. */
  wsTimeout: string;
  /** `expires` for media files. */
  mediaExpires: string;
}

/** Fills in the deployed layout, so callers only pass the domains and what they change. */
export function nginxDefaults(partial: Partial<NginxInput> & Pick<NginxInput, 'apiDomain' | 'mediaDomain'>): NginxInput {
  const lineage = `/etc/letsencrypt/live/${partial.apiDomain}`;
  return {
    upstreamHost: '127.0.0.1',
    upstreamPort: 8000,
    mediaDir: '/var/lib/ttops/media',
    acmeWebroot: '/var/www/ttops-acme',
    certPath: `${lineage}/fullchain.pem`,
    keyPath: `${lineage}/privkey.pem`,
    nginxDir: '/etc/nginx',
    logDir: '/var/log/nginx',
    httpPort: 80,
    httpsPort: 443,
    clientMaxBodySize: '1m',
    wsTimeout: '3600s',
    mediaExpires: '7d',
    ...definedOnly(partial),
  } as NginxInput;
}

/** Where each rendered file goes, relative to NginxInput.nginxDir. */
export const NGINX_FILES = {
  site: 'sites-available/ttops.conf',
  httpLevel: 'conf.d/ttops-http.conf',
  securityHeaders: 'snippets/ttops-security-headers.conf',
  tls: 'snippets/ttops-tls.conf',
  proxyHeaders: 'snippets/ttops-proxy-headers.conf',
} as const;

/** Before certbot: port 80 only, so the ACME http-01 challenge can be answered. */
export function renderNginxHttpStage(input: NginxInput): RenderedFile[] {
  const vars = nginxVars(input);
  return [file(input, NGINX_FILES.site, site(vars, 'http (before certificate)', ['http-server.conf']))];
}

/** After certbot: port 80 (ACME + redirect) plus the API and media vhosts on 443. */
export function renderNginxTls(input: NginxInput): RenderedFile[] {
  const vars = nginxVars(input);
  const part = (name: string): string => fillTemplate(loadTemplate(`nginx-templates/${name}`), vars);
  return [
    file(input, NGINX_FILES.site, site(vars, 'tls', ['http-server.conf', 'api-server.conf', 'media-server.conf'])),
    file(input, NGINX_FILES.httpLevel, part('http-level.conf')),
    file(input, NGINX_FILES.securityHeaders, part('security-headers.conf')),
    file(input, NGINX_FILES.tls, part('tls.conf')),
    file(input, NGINX_FILES.proxyHeaders, part('proxy-headers.conf')),
  ];
}

function site(vars: TemplateVars, stage: string, parts: string[]): string {
  const header = fillTemplate(loadTemplate('nginx-templates/site-header.conf'), { ...vars, stage });
  const bodies = parts.map((name) => fillTemplate(loadTemplate(`nginx-templates/${name}`), vars));
  return [header, ...bodies].join('\n');
}

function file(input: NginxInput, rel: string, content: string): RenderedFile {
  return { path: `${trimSlash(input.nginxDir)}/${rel}`, mode: 0o644, content };
}

function nginxVars(input: NginxInput): TemplateVars {
  const what = 'nginx input';
  check(what, 'apiDomain', input.apiDomain, 'domain');
  check(what, 'mediaDomain', input.mediaDomain, 'domain');
  if (input.apiDomain.toLowerCase() === input.mediaDomain.toLowerCase()) {
    throw new ConfigError(`${what} mediaDomain equals apiDomain (${input.apiDomain}); use a separate name such as media.example.com.`, {
      code: 'render_input_invalid',
      context: { key: 'mediaDomain', value: input.mediaDomain },
    });
  }
  check(what, 'upstreamHost', input.upstreamHost, 'host');
  for (const key of ['mediaDir', 'acmeWebroot', 'certPath', 'keyPath', 'nginxDir', 'logDir'] as const) {
    check(what, key, input[key], 'absPath');
  }
  for (const key of ['upstreamPort', 'httpPort', 'httpsPort'] as const) checkPort(what, key, input[key]);
  check(what, 'clientMaxBodySize', input.clientMaxBodySize, 'size');
  check(what, 'wsTimeout', input.wsTimeout, 'nginxTime');
  check(what, 'mediaExpires', input.mediaExpires, 'nginxTime');
  return {
    ...input,
    upstreamHost: input.upstreamHost.includes(':') ? `[${input.upstreamHost}]` : input.upstreamHost,
    mediaDir: trimSlash(input.mediaDir),
    acmeWebroot: trimSlash(input.acmeWebroot),
    nginxDir: trimSlash(input.nginxDir),
    logDir: trimSlash(input.logDir),
  };
}
