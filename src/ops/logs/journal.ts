/**
 * `ttops logs` reads journald: the units write stdout/stderr to the journal
 * (StandardOutput=journal). The argv is built by a pure function; the bot runs inside the
 * API unit, so `bot` is the API unit filtered with `--grep bot`.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../../config/load.js';
import { ConflictError } from '../../errors.js';

/** Which process's lines to show. */
export const LOG_TARGETS = ['all', 'api', 'worker', 'bot'] as const;
export type LogTarget = (typeof LOG_TARGETS)[number];

/** journalctl output modes offered (`short-iso` shows unit names; `cat` is the bare JSON lines). */
export const LOG_OUTPUTS = ['short-iso', 'cat', 'json'] as const;
export type LogOutput = (typeof LOG_OUTPUTS)[number];

/** What `ttops logs` was asked for. */
export interface LogsRequest {
  target: LogTarget;
  follow: boolean;
  lines: number;
  since?: string;
  output: LogOutput;
}

/** The journald directory that exists while journald runs. */
export const JOURNALD_MARKER = '/run/systemd/journal';

const UNITS: Record<LogTarget, string[]> = {
  all: ['ttops-api.service', 'ttops-worker@*.service', 'ttops-backup.service'],
  api: ['ttops-api.service'],
  worker: ['ttops-worker@*.service'],
  bot: ['ttops-api.service'],
};

/** The journalctl binary: TTOPS_JOURNALCTL or `journalctl`. */
export function journalctlBin(config: Pick<Config, 'values'>): string {
  return (config.values.TTOPS_JOURNALCTL as string | undefined) ?? 'journalctl';
}

/** Whether journald can be read here: TTOPS_JOURNALCTL set, or journald running. */
export function journaldUsable(config: Pick<Config, 'values'>, marker = JOURNALD_MARKER): boolean {
  return config.values.TTOPS_JOURNALCTL !== undefined || existsSync(marker);
}

/** The one sentence saying where logs are when there is no journald. */
export function journaldUnavailable(): ConflictError {
  return new ConflictError(
    'journald_unavailable',
    'journald is not running here, so ttops writes its logs to the standard error of whatever runs it — read them in the terminal of `ttops serve` / `ttops worker`, or where you redirected them',
  );
}

/** The journalctl argv for a request (argv, never a shell string; the glob is journalctl's). */
export function journalctlArgv(bin: string, request: LogsRequest): string[] {
  const argv = [bin, '--no-pager', '-o', request.output, '-n', String(request.lines)];
  for (const unit of UNITS[request.target]) argv.push('-u', unit);
  if (request.target === 'bot') argv.push('--grep', 'bot');
  if (request.since) argv.push('--since', request.since);
  if (request.follow) argv.push('--follow');
  return argv;
}
