/**
 * Whether and how ttops may talk to systemd on this machine — the one helper `scale`,
 * `status`, `deploy` and `backup restore` share. Plans put `systemctlArgv(...)` in their
 * commands (the runner executes them); the read-only queries here (`is-active`,
 * `list-unit-files`) only look, so they run directly and never throw on a non-zero exit.
 *
 * systemd counts as usable when it runs as PID 1 (sd_booted(3): `/run/systemd/system`
 * exists) or when TTOPS_SYSTEMCTL names a binary explicitly (tests point it at a stand-in).
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/load.js';
import { ConflictError, UnreachableError } from '../errors.js';
import { queryCommand } from './runner.js';

/** The directory that exists only when systemd is the init system (sd_booted(3)). */
export const SYSTEMD_MARKER = '/run/systemd/system';

/** What a systemctl query printed and how it exited. */
export interface SystemctlAnswer {
  code: number;
  stdout: string;
  stderr: string;
}

type SystemctlConfig = Pick<Config, 'systemctl'>;

/** Whether systemctl can drive units here: TTOPS_SYSTEMCTL set, or systemd running as init. */
export function systemdUsable(config: SystemctlConfig, marker = SYSTEMD_MARKER): boolean {
  return config.systemctl.explicit || existsSync(marker);
}

/** The one-sentence error for a command that needs systemd where it is not running (exit 6). */
export function systemdUnavailable(insteadHint: string): ConflictError {
  return new ConflictError('systemd_unavailable', `systemd is not running here; ${insteadHint}`);
}

/** Throws `systemdUnavailable(insteadHint)` unless systemd is usable. */
export function requireSystemd(config: SystemctlConfig, insteadHint: string, marker = SYSTEMD_MARKER): void {
  if (!systemdUsable(config, marker)) throw systemdUnavailable(insteadHint);
}

/** A systemctl command line with the configured binary, for plans (argv, never a shell string). */
export function systemctlArgv(config: SystemctlConfig, ...args: string[]): string[] {
  return [config.systemctl.bin, ...args];
}

/** Runs a read-only systemctl query; a non-zero exit is an answer (is-active exits 3), not an error. */
export async function querySystemctl(config: SystemctlConfig, ...args: string[]): Promise<SystemctlAnswer> {
  const argv = systemctlArgv(config, ...args);
  try {
    return await queryCommand(argv, { timeoutMs: 15_000 });
  } catch (error) {
    throw new UnreachableError('systemctl_unavailable', `cannot run \`${argv[0]}\` (${(error as Error).message}) — check TTOPS_SYSTEMCTL or install systemd`, { cause: error });
  }
}

/** `systemctl is-active UNIT` as systemd words it (active, inactive, failed, activating, …). */
export async function unitActiveState(config: SystemctlConfig, unit: string): Promise<string> {
  const answer = await querySystemctl(config, 'is-active', unit);
  return answer.stdout.trim().split('\n')[0] || (answer.code === 0 ? 'active' : 'unknown');
}

/**
 * Installed ttops unit files (`ttops-api.service`, `ttops-worker@.service`, …) from
 * `systemctl list-unit-files`; empty where systemd is not usable, so callers can
 * "stop and restart only what is installed" on a dev machine too.
 */
export async function installedUnits(config: SystemctlConfig, marker = SYSTEMD_MARKER): Promise<string[]> {
  if (!systemdUsable(config, marker)) return [];
  const answer = await querySystemctl(config, 'list-unit-files', '--no-legend', '--no-pager', 'ttops-*');
  const names = answer.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name) => /^ttops-[\w@.-]+$/.test(name));
  return [...new Set(names)].sort();
}
