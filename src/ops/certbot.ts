/**
 * The certificate for both names: certbot `certonly --webroot` (nginx config stays under
 * ttops' control; certbot only drops challenge files into the webroot), with a deploy hook
 * that reloads nginx only when `nginx -t` passes. The hook is a script file the plan
 * writes, so no shell string ever travels in argv; certbot stores its path for renewals.
 */
import { X509Certificate } from 'node:crypto';
import { cmd, makePlan, type Plan } from './plan.js';
import { DEFAULT_PATHS } from './deploy/paths.js';

/** Everything the certbot plan depends on. */
export interface CertbotInput {
  /** Lineage name (`--cert-name`) and first `-d`. */
  apiDomain: string;
  mediaDomain: string;
  webroot: string;
  /** certbot `--config-dir`; passed only when it is not certbot's default. */
  letsencryptDir: string;
  /** Where the deploy hook script goes. */
  hookPath: string;
  /** Account e-mail; without it certbot registers without one. */
  email?: string;
  /** ACME directory URL (`--server`), e.g. a Pebble test CA. */
  acmeServer?: string;
  /** Let's Encrypt staging (`--staging`): untrusted certificates, generous rate limits. */
  staging?: boolean;
  /** nginx -t argv the hook runs before reloading. */
  nginxTest: string[];
  /** systemctl argv that reloads nginx. */
  nginxReload: string[];
  certbotBin?: string;
}

/** The deploy hook: check the config, then reload; `set -e` stops at a failed check. */
export function renderDeployHook(input: Pick<CertbotInput, 'nginxTest' | 'nginxReload'>): string {
  return [
    '#!/bin/sh',
    '# Managed by ttops (`ttops deploy`); edits are overwritten.',
    '# certbot runs this after it obtains or renews the ttops certificate: reload nginx,',
    '# but only when its whole config is valid, so a bad edit elsewhere cannot take every site down.',
    'set -eu',
    input.nginxTest.map(shellWord).join(' '),
    input.nginxReload.map(shellWord).join(' '),
    '',
  ].join('\n');
}

/** The hook file and the `certbot certonly` command. */
export function planCertbot(input: CertbotInput): Plan {
  const argv = [
    input.certbotBin ?? 'certbot',
    'certonly',
    '--webroot',
    '-w',
    input.webroot,
    '--cert-name',
    input.apiDomain,
    '-d',
    input.apiDomain,
    '-d',
    input.mediaDomain,
    '--non-interactive',
    '--agree-tos',
    '--keep-until-expiring',
    '--expand',
    ...(input.email ? ['--email', input.email, '--no-eff-email'] : ['--register-unsafely-without-email']),
    ...(input.acmeServer ? ['--server', input.acmeServer] : []),
    ...(input.staging ? ['--staging'] : []),
    ...(input.letsencryptDir !== DEFAULT_PATHS.letsencryptDir ? ['--config-dir', input.letsencryptDir] : []),
    '--deploy-hook',
    input.hookPath,
  ];
  return makePlan('certificate (certbot)', {
    files: [{ path: input.hookPath, mode: 0o755, content: renderDeployHook(input) }],
    commands: [cmd(`obtain a certificate for ${input.apiDomain} and ${input.mediaDomain} over the ACME webroot`, ...argv)],
  });
}

/** Whether a certificate can be used as is: covers every name and has more than `minDays` left. */
export function certCovers(pem: string, domains: readonly string[], now: Date, minDays = 7): { ok: boolean; reason: string } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return { ok: false, reason: 'the certificate file cannot be parsed' };
  }
  const names = new Set((cert.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase()));
  const missing = domains.filter((d) => !names.has(d.toLowerCase()));
  if (missing.length) return { ok: false, reason: `it does not cover ${missing.join(', ')}` };
  const daysLeft = (Date.parse(cert.validTo) - now.getTime()) / 86_400_000;
  if (daysLeft <= minDays) return { ok: false, reason: `it expires in ${Math.max(0, Math.floor(daysLeft))} days` };
  return { ok: true, reason: `it covers ${domains.join(' and ')} until ${new Date(cert.validTo).toISOString().slice(0, 10)}` };
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
