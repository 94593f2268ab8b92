/**
 * The shipped monitoring: exact rendered text (golden), `promtool check rules` on the rules,
 * `promtool test rules` proving alerts fire and stay quiet, `promtool check metrics` on a
 * live `/metrics` from `ttops serve` and on the box-level gauges, and every metric a rule
 * or a dashboard panel uses exists in what ttops exposes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addHostGauges, addQueueGauge, makeMetrics } from '../../src/api/metrics.js';
import { MONITORING_FILES, monitoringDefaults, renderMonitoring } from '../../src/ops/render/monitoring.js';
import { openStore } from '../../src/store/open.js';
import { startServe, stop } from '../helpers/cli.js';
import { tempDir } from '../helpers/engines.js';
import { assertGolden } from './fixtures/render-helpers.js';

const rendered = renderMonitoring(monitoringDefaults({ dir: '/etc/ttops/monitoring' }));
const rules = rendered.find((f) => f.path.endsWith(MONITORING_FILES.alerts))!.content;
const dashboard = JSON.parse(rendered.find((f) => f.path.endsWith(MONITORING_FILES.dashboard))!.content) as {
  uid: string;
  panels: { title: string; targets: { expr: string }[] }[];
};

function promtool(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set(['sum', 'by', 'rate', 'deriv', 'time', 'and', 'histogram_quantile', 'le', 'job', 'instance', 'status', 'status_code', 'path']);

/** Metric names an expression reads: identifiers outside label matchers, range selectors and strings. */
function metricNames(expr: string): string[] {
  const bare = expr.replace(/"[^"]*"/g, '').replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(/\bby \([^)]*\)/g, '');
  return [...new Set(bare.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g) ?? [])].filter((w) => !PROMQL_WORDS.has(w));
}

function ruleExprs(): { alert: string; expr: string }[] {
  const out: { alert: string; expr: string }[] = [];
  const lines = rules.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const alert = /^\s+- alert: (\w+)$/.exec(lines[i]);
    if (!alert) continue;
    const expr = /^\s+expr: (.*)$/.exec(lines[i + 1])!;
    const text = expr[1] === '|' ? lines.slice(i + 2).filter((_, k, all) => all.slice(0, k + 1).every((l) => /^\s{10}/.test(l))).join(' ') : expr[1];
    out.push({ alert: alert[1], expr: text });
  }
  return out;
}

test('the rules and the dashboard render exactly the golden files, in the deploy folder', () => {
  assertGolden('monitoring', rendered);
  assert.deepEqual(rendered.map((f) => [f.path, f.mode]), [['/etc/ttops/monitoring/ttops-alerts.yml', 0o644], ['/etc/ttops/monitoring/ttops-dashboard.json', 0o644]]);
  assert.equal(dashboard.uid, 'ttops');
  assert.deepEqual(ruleExprs().map((r) => r.alert), [
    'TtopsApiDown', 'TtopsNoWorkerAlive', 'TtopsWorkerHeartbeatStale', 'TtopsQueueBacklogGrowing', 'TtopsHigh5xxRate',
    'TtopsCertificateExpiresSoon', 'TtopsCertificateExpiryCritical', 'TtopsBackupTooOld', 'TtopsDiskLow', 'TtopsTtsFailing',
  ]);
});

test('bad thresholds are refused with the key named', () => {
  assert.throws(() => renderMonitoring(monitoringDefaults({ dir: '/etc/ttops/monitoring', errorRatio: 5 })), /errorRatio is 5; it must be a fraction/);
  assert.throws(() => renderMonitoring(monitoringDefaults({ dir: '/etc/ttops/monitoring', job: 'tt"ops' })), /job is "tt\\"ops"/);
  assert.throws(() => renderMonitoring(monitoringDefaults({ dir: '/etc/ttops/monitoring', certFailDays: 30 })), /certFailDays is 30; it must be fewer days than certWarnDays \(20\)/);
});

test('promtool accepts the rules, and its unit tests show alerts firing and staying quiet', (t) => {
  const dir = tempDir('ttops-rules-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'ttops-alerts.yml'), rules);
  const checked = promtool(['check', 'rules', path.join(dir, 'ttops-alerts.yml')]);
  assert.equal(checked.status, 0, checked.out);
  assert.match(checked.out, /SUCCESS: 10 rules found/);

  // Times are minutes from 0; series values are one per minute (`a+bxN` = a, a+b, … N more).
  const day = 86_400;
  writeFileSync(path.join(dir, 'tests.yml'), `rule_files: [ttops-alerts.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # A backup 10 h old at the start: fine; after 17 more hours it is 27 h old.
      - series: 'ttops_backup_last_success_timestamp_seconds{job="ttops", instance="api"}'
        values: '${-10 * 3600}x1500'
      # No worker for the whole time on one instance, two on another.
      - series: 'ttops_workers_alive{job="ttops", instance="a"}'
        values: '0x20'
      - series: 'ttops_workers_alive{job="ttops", instance="b"}'
        values: '2x20'
      # 100 requests a minute; from minute 10 on, 10 of them 5xx.
      - series: 'ttops_http_request_duration_seconds_count{job="ttops", instance="api", status_code="200"}'
        values: '0+100x10 1000+90x20'
      - series: 'ttops_http_request_duration_seconds_count{job="ttops", instance="api", status_code="500"}'
        values: '0x10 0+10x20'
      # Heartbeats: never registered (0), every minute (fresh), once at 30 s and never again.
      - series: 'ttops_worker_last_heartbeat_timestamp_seconds{job="ttops", instance="never"}'
        values: '0x20'
      - series: 'ttops_worker_last_heartbeat_timestamp_seconds{job="ttops", instance="fresh"}'
        values: '0+60x20'
      - series: 'ttops_worker_last_heartbeat_timestamp_seconds{job="ttops", instance="hung"}'
        values: '30x20'
      # One synthesis a second; from minute 10 on, 50 of every 60 fail on one instance, 6 on another.
      - series: 'ttops_tts_requests_total{job="ttops", instance="api", result="miss"}'
        values: '0+60x40'
      - series: 'ttops_tts_requests_total{job="ttops", instance="api", result="failed"}'
        values: '0x10 0+50x30'
      - series: 'ttops_tts_requests_total{job="ttops", instance="ok", result="miss"}'
        values: '0+60x40'
      - series: 'ttops_tts_requests_total{job="ttops", instance="ok", result="failed"}'
        values: '0x10 0+6x30'
      # A certificate with 10 days left.
      - series: 'ttops_tls_certificate_expiry_timestamp_seconds{job="ttops", instance="api", file="/x"}'
        values: '${10 * day}x100'
    alert_rule_test:
      - eval_time: 60m
        alertname: TtopsBackupTooOld
        exp_alerts: []
      - eval_time: 1000m
        alertname: TtopsBackupTooOld
        exp_alerts:
          - exp_labels: { severity: critical, job: ttops, instance: api }
            exp_annotations:
              summary: "The last ttops backup is 1d 2h 40m 0s old (or there is none)"
              description: "Check \`systemctl status ttops-backup.service\` and \`ttops backup list\`."
      - eval_time: 4m
        alertname: TtopsNoWorkerAlive
        exp_alerts: []
      - eval_time: 6m
        alertname: TtopsNoWorkerAlive
        exp_alerts:
          - exp_labels: { severity: critical, job: ttops, instance: a }
            exp_annotations:
              summary: "No ttops worker has a fresh heartbeat; jobs wait"
              description: "Check \`ttops scale\` and \`systemctl status 'ttops-worker@*'\`."
      - eval_time: 10m
        alertname: TtopsWorkerHeartbeatStale
        exp_alerts:
          - exp_labels: { severity: warning, job: ttops, instance: hung }
            exp_annotations:
              summary: "The newest worker heartbeat is 9m 30s old"
              description: "Workers stopped heartbeating (crashed, hung, or the database is unreachable from them)."
      - eval_time: 9m
        alertname: TtopsHigh5xxRate
        exp_alerts: []
      - eval_time: 25m
        alertname: TtopsHigh5xxRate
        exp_alerts:
          - exp_labels: { severity: critical, job: ttops, instance: api }
            exp_annotations:
              summary: "10% of API requests fail with 5xx"
              description: "See \`ttops logs api\` for the errors."
      - eval_time: 90m
        alertname: TtopsCertificateExpiresSoon
        exp_alerts:
          - exp_labels: { severity: warning, job: ttops, instance: api, file: /x }
            exp_annotations:
              summary: "TLS certificate expires in 9d 22h 30m 0s"
              description: "certbot renews 30 days ahead; check \`systemctl list-timers certbot.timer\` and \`certbot renew --dry-run\`."
      - eval_time: 90m
        alertname: TtopsCertificateExpiryCritical
        exp_alerts: []
      - eval_time: 12m
        alertname: TtopsTtsFailing
        exp_alerts: []
      - eval_time: 35m
        alertname: TtopsTtsFailing
        exp_alerts:
          - exp_labels: { severity: warning, job: ttops, instance: api }
            exp_annotations:
              summary: "83.33% of TTS syntheses fail; streamers hear no speech"
              description: "Edge and espeak both failed: check \`ttops logs api\` for the TTS errors and that espeak-ng is installed."
`);
  const tested = promtool(['test', 'rules', path.join(dir, 'tests.yml')]);
  assert.equal(tested.status, 0, tested.out);
  assert.match(tested.out, /SUCCESS/);
});

test('a live /metrics passes promtool check metrics and has every metric the rules and the dashboard read', async (t) => {
  const dir = tempDir('ttops-metrics-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startServe({ TTOPS_HOME: path.join(dir, 'home') });
  t.after(() => stop(server.child));
  await fetch(`${server.url}/health`);
  const live = await (await fetch(`${server.url}/metrics`)).text();
  const checked = promtool(['check', 'metrics'], live);
  assert.equal(checked.status, 0, checked.out);

  // The box-level gauges, registered the way the API registers them, over a real store and real files.
  const backupDir = path.join(dir, 'backups');
  mkdirSync(path.join(backupDir, '20260101T030000Z'), { recursive: true });
  writeFileSync(path.join(backupDir, '20260101T030000Z', 'manifest.json'), JSON.stringify({ created_at: '2026-01-01T03:00:00.000Z' }));
  mkdirSync(path.join(backupDir, 'in-progress'));
  const certFile = path.join(dir, 'cert.pem');
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=api.example.test', '-keyout', path.join(dir, 'key.pem'), '-out', certFile], { encoding: 'utf8' });
  assert.equal(ssl.status, 0, ssl.stderr);
  const store = await openStore({ home: path.join(dir, 'gauges'), databaseUrl: undefined });
  t.after(() => store.close());
  await store.migrateUp();
  const metrics = makeMetrics();
  addQueueGauge(metrics, store);
  addHostGauges(metrics, { backupDir, certFiles: [path.join(dir, 'missing.pem'), certFile], diskPaths: [dir, backupDir] });
  const host = await metrics.registry.metrics();
  const hostChecked = promtool(['check', 'metrics'], host);
  assert.equal(hostChecked.status, 0, hostChecked.out);
  assert.match(host, new RegExp(`^ttops_backup_last_success_timestamp_seconds ${Date.parse('2026-01-01T03:00:00Z') / 1000}$`, 'm'));
  assert.match(host, new RegExp(`^ttops_tls_certificate_expiry_timestamp_seconds\\{file="${certFile}"\\} ${Date.parse(new X509Certificate(readFileSync(certFile)).validTo) / 1000}$`, 'm'));
  assert.match(host, /^ttops_workers_alive 0$/m);
  assert.match(host, /^ttops_worker_last_heartbeat_timestamp_seconds 0$/m, '0 while no worker ever registered');
  assert.match(host, new RegExp(`^ttops_disk_free_bytes\\{path="${dir}"\\} [1-9]\\d*$`, 'm'));

  const exposed = new Set([...`${live}\n${host}`.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )/gm)].map((m) => m[1]));
  for (const { alert, expr } of ruleExprs()) {
    for (const name of metricNames(expr)) {
      if (name === 'up') continue; // Prometheus makes `up` itself for every scrape.
      assert.ok(exposed.has(name), `rule ${alert} reads ${name}, which ttops does not expose`);
    }
  }
  for (const panel of dashboard.panels) {
    assert.ok(panel.targets.length > 0, `panel ${panel.title} has a query`);
    for (const { expr } of panel.targets) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `panel ${panel.title}: ${expr}`);
      for (const name of names) assert.ok(exposed.has(name), `panel ${panel.title} reads ${name}, which ttops does not expose`);
    }
  }
  for (const name of ['ttops_jobs', 'ttops_workers_alive', 'ttops_http_request_duration_seconds_count', 'ttops_process_resident_memory_bytes']) {
    assert.ok(live.includes(`\n${name}`), `${name} is on the live /metrics`);
  }
});
