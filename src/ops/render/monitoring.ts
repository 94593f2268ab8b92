/**
 * Monitoring that ships with the box: Prometheus alert rules and a Grafana dashboard for
 * the API's `/metrics`, rendered from templates/monitoring/ into one folder the operator
 * points Prometheus (`rule_files:`) and Grafana (import or a dashboard provider) at.
 * Pure: thresholds in, text out; `promtool check rules` checks the result in the tests.
 */
import { ConfigError } from '../../errors.js';
import { fillTemplate, loadTemplate, type RenderedFile } from './template.js';
import { check, checkPort, definedOnly, trimSlash } from './validate.js';

/** What the rules and the dashboard depend on; build one with monitoringDefaults(). */
export interface MonitoringInput {
  /** Folder the two files go to. */
  dir: string;
  /** Prometheus `job_name` that scrapes the API (every expression selects it). */
  job: string;
  /** host:port Prometheus scrapes (the API directly, not nginx); shown in the rules' header. */
  targetHost: string;
  targetPort: number;
  /** TtopsWorkerHeartbeatStale: newest heartbeat older than this. */
  heartbeatStaleSeconds: number;
  /** TtopsQueueBacklogGrowing: more queued jobs than this, and still growing. */
  queueBacklog: number;
  /** TtopsHigh5xxRate: share of requests answered 5xx (0–1). */
  errorRatio: number;
  /** TtopsCertificateExpiresSoon / …Critical: days left (`ttops status` warns at 20, fails at 7). */
  certWarnDays: number;
  certFailDays: number;
  /** TtopsBackupTooOld: hours since the last backup (daily timer plus slack). */
  backupMaxAgeHours: number;
  /** TtopsDiskLow: free space below this percentage. */
  diskFreePercent: number;
  /** Grafana dashboard uid and title. */
  dashboardUid: string;
  dashboardTitle: string;
}

/** Where each rendered file goes, relative to MonitoringInput.dir. */
export const MONITORING_FILES = { alerts: 'ttops-alerts.yml', dashboard: 'ttops-dashboard.json' } as const;

/** The shipped thresholds, so callers pass only the folder and what they change. */
export function monitoringDefaults(partial: Partial<MonitoringInput> & Pick<MonitoringInput, 'dir'>): MonitoringInput {
  return {
    job: 'ttops',
    targetHost: '127.0.0.1',
    targetPort: 8000,
    heartbeatStaleSeconds: 60,
    queueBacklog: 100,
    errorRatio: 0.05,
    certWarnDays: 20,
    certFailDays: 7,
    backupMaxAgeHours: 26,
    diskFreePercent: 10,
    dashboardUid: 'ttops',
    dashboardTitle: 'ttops',
    ...definedOnly(partial),
  } as MonitoringInput;
}

/** The alert rules and the dashboard. */
export function renderMonitoring(input: MonitoringInput): RenderedFile[] {
  const what = 'monitoring input';
  check(what, 'dir', input.dir, 'absPath');
  check(what, 'targetHost', input.targetHost, 'host');
  checkPort(what, 'targetPort', input.targetPort);
  for (const key of ['job', 'dashboardUid'] as const) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]{0,39}$/.test(input[key])) bad(key, input[key], 'letters, digits, _ and - (at most 40)');
  }
  if (!/^[\w .()-]{1,80}$/.test(input.dashboardTitle)) bad('dashboardTitle', input.dashboardTitle, 'letters, digits, spaces and . ( ) - _');
  const positive = ['heartbeatStaleSeconds', 'queueBacklog', 'certWarnDays', 'certFailDays', 'backupMaxAgeHours'] as const;
  for (const key of positive) if (!Number.isInteger(input[key]) || input[key] < 1) bad(key, input[key], 'a whole number of at least 1');
  if (!(input.errorRatio > 0 && input.errorRatio < 1)) bad('errorRatio', input.errorRatio, 'a fraction between 0 and 1, like 0.05');
  if (!(input.diskFreePercent > 0 && input.diskFreePercent < 100)) bad('diskFreePercent', input.diskFreePercent, 'a percentage between 0 and 100');
  if (input.certFailDays >= input.certWarnDays) bad('certFailDays', input.certFailDays, `fewer days than certWarnDays (${input.certWarnDays})`);

  const host = input.targetHost.includes(':') ? `[${input.targetHost}]` : input.targetHost;
  const vars = {
    job: input.job,
    target: `${host}:${input.targetPort}`,
    heartbeatStaleSeconds: input.heartbeatStaleSeconds,
    queueBacklog: input.queueBacklog,
    errorRatio: input.errorRatio,
    errorRatioPercent: Math.round(input.errorRatio * 1000) / 10,
    certWarnDays: input.certWarnDays,
    certFailDays: input.certFailDays,
    backupMaxAgeHours: input.backupMaxAgeHours,
    diskFreePercent: input.diskFreePercent,
    uid: input.dashboardUid,
    title: input.dashboardTitle,
  };
  const dir = trimSlash(input.dir);
  const render = (name: string) => fillTemplate(loadTemplate(`templates/monitoring/${name}`), vars, 'angles');
  return [
    { path: `${dir}/${MONITORING_FILES.alerts}`, mode: 0o644, content: render(MONITORING_FILES.alerts) },
    { path: `${dir}/${MONITORING_FILES.dashboard}`, mode: 0o644, content: render(MONITORING_FILES.dashboard) },
  ];
}

function bad(key: string, value: unknown, expected: string): never {
  throw new ConfigError(`monitoring input ${key} is ${JSON.stringify(value)}; it must be ${expected}.`, { code: 'render_input_invalid', context: { key, value } });
}
