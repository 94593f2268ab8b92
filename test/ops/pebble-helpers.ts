/**
 * A private ACME CA for the TLS tests: Debian's `pebble` on free 127.0.0.1 ports, with
 * `pebble-challtestsrv` as its DNS server (every name answers 127.0.0.1, no AAAA), so a
 * name like api.ttops.test validates against whatever listens on the HTTP-01 port. The
 * ACME listener's own certificate is made here with openssl (the package ships none).
 * Not a test file itself.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { stop } from '../helpers/cli.js';
import { freePort, waitForPort } from './fixtures/render-helpers.js';

/** A running Pebble. */
export interface Pebble {
  /** ACME directory URL for `certbot --server`. */
  directoryUrl: string;
  /** Trust anchor of Pebble's own HTTPS listeners (REQUESTS_CA_BUNDLE for certbot). */
  listenerCaFile: string;
  /** The root that signs issued certificates (regenerated on every start). */
  issuingRoot(): Promise<string>;
  /** What pebble and its DNS server printed, for failure messages. */
  output(): string;
  /** Stops both processes (by their PIDs) and waits for them to exit. */
  stop(): Promise<void>;
}

/** Starts pebble-challtestsrv and pebble with their files in `dir`; `httpPort` is where HTTP-01 is validated. */
export async function startPebble(dir: string, httpPort: number): Promise<Pebble> {
  const [acmePort, managementPort, dnsPort, dnsManagementPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const cert = path.join(dir, 'pebble-listener.pem');
  const key = path.join(dir, 'pebble-listener.key');
  const openssl = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=pebble listener (ttops test)',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE', '-keyout', key, '-out', cert,
  ], { encoding: 'utf8' });
  assert.equal(openssl.status, 0, openssl.stderr);
  const config = path.join(dir, 'pebble-config.json');
  writeFileSync(config, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: cert,
      privateKey: key,
      httpPort,
      tlsPort: await freePort(),
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
    },
  }));

  let output = '';
  const collect = (child: ChildProcess) => {
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    return child;
  };
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    for (const child of children.reverse()) await stop(child);
  };
  try {
    children.push(collect(spawn('pebble-challtestsrv', [
      '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
      '-management', `127.0.0.1:${dnsManagementPort}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '',
    ], { stdio: ['ignore', 'pipe', 'pipe'] })));
    await waitForPort(dnsPort);
    children.push(collect(spawn('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Real validation, no artificial sleeps, no spurious badNonce, and no reused
      // authorizations: a renewal must go through the webroot again.
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_VA_ALWAYS_VALID: '0', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    })));
    await waitForPort(acmePort);
    await waitForPort(managementPort);
  } catch (error) {
    await stopAll();
    throw new Error(`pebble did not start: ${(error as Error).message}\n${output}`);
  }
  const ca = readFileSync(cert);
  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    listenerCaFile: cert,
    issuingRoot: () => httpsGet(`https://127.0.0.1:${managementPort}/roots/0`, ca),
    output: () => output,
    stop: stopAll,
  };
}

function httpsGet(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode} ${body}`))));
    }).on('error', reject);
  });
}
