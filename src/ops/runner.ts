/**
 * The one runner: the only ops code that writes files or spawns processes. Files are written
 * atomically (temp file + rename) with their mode; with `root` every path lands under a
 * staging directory and no command runs (how tests and `--root` rehearse a plan).
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FailureError } from '../errors.js';
import type { Io } from '../io.js';
import { currentSignal } from './interrupt.js';
import { Secret, type Plan, type PlannedCommand, type PlannedFile } from './plan.js';

/** How a plan runs. */
export interface RunOptions {
  io: Io;
  /** Write files under this directory and run no command. */
  root?: string;
  /** Show progress with listr2 (TTY) instead of plain lines. */
  fancy?: boolean;
  /** Resolve user/group names for chown (injectable for tests). */
  lookupIds?: (owner: string, group: string) => { uid: number; gid: number } | undefined;
}

/** What happened. */
export interface RunReport {
  written: string[];
  ran: string[][];
  skipped: string[][];
  failed: { argv: string[]; why: string; message: string }[];
}

/** Where a planned path really goes (under `root` when staging). */
export function targetPath(file: string, root?: string): string {
  return root ? path.join(root, file) : file;
}

/** Writes one file atomically with its mode (and owner when not staging). */
export function writePlannedFile(file: PlannedFile, options: Pick<RunOptions, 'root' | 'lookupIds'>): string {
  const target = targetPath(file.path, options.root);
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.ttops-tmp-${process.pid}`;
  writeFileSync(temp, file.content, { mode: file.mode });
  chmodSync(temp, file.mode);
  if (!options.root && file.owner) {
    const ids = options.lookupIds?.(file.owner, file.group ?? file.owner);
    if (ids) chownSync(temp, ids.uid, ids.gid);
  }
  renameSync(temp, target);
  return target;
}

/**
 * Runs one command (argv, never a shell) with node's own execFile — execa did the same job
 * but cost ~135 ms to import on every ops command. Resolves with its output or throws
 * FailureError naming the command (secrets redacted) and the tail of its stderr.
 */
export function runCommand(command: PlannedCommand, options: { timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  const [file, ...args] = command.argv.map(unwrap);
  const env = command.env ? { ...process.env, ...Object.fromEntries(Object.entries(command.env).map(([k, v]) => [k, unwrap(v)])) } : process.env;
  // Inside interruptible work, an interrupt kills the child (SIGTERM) and rejects with the interrupt.
  const signal = currentSignal();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = execFile(file, args, { env, maxBuffer: 256 << 20, encoding: 'utf8', timeout: options.timeoutMs ?? 0, signal }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      if (signal?.aborted) return reject(signal.reason);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const detail = missing ? `${file} is not installed or not on PATH${file.startsWith('pg_') ? ' (Debian: apt install postgresql-client)' : ''}` : (stderr || error.message).trim().split('\n').slice(-5).join('\n');
      reject(new FailureError('command_failed', `${command.why}: \`${command.argv.map(String).join(' ')}\` failed — ${redactSecrets(detail, command)}`, { cause: error }));
    });
    child.stdin?.end();
  });
}

/**
 * Runs a read-only query command where a non-zero exit is an answer (`systemctl is-active`
 * exits 3), not an error. Only a command that cannot start at all rejects.
 */
export function queryCommand(argv: string[], options: { timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 64 << 20, encoding: 'utf8', timeout: options.timeoutMs ?? 0 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (typeof code === 'string') return reject(Object.assign(error!, { stdout, stderr }));
      resolve({ code: typeof code === 'number' ? code : error ? 1 : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

function redactSecrets(text: string, command: PlannedCommand): string {
  let out = text;
  for (const v of [...command.argv, ...Object.values(command.env ?? {})]) {
    if (v instanceof Secret && v.value) out = out.split(v.value).join(String(v));
  }
  return out;
}

/** Executes a plan: files first, then commands in order; stops at the first failing command. */
export async function runPlan(plan: Plan, options: RunOptions): Promise<RunReport> {
  const report: RunReport = { written: [], ran: [], skipped: [], failed: [] };
  const print = (line: string) => options.io.stderr.write(`${line}\n`);
  for (const file of plan.files) {
    report.written.push(writePlannedFile(file, options));
    print(`  wrote ${targetPath(file.path, options.root)}`);
  }
  for (const command of plan.commands) {
    const shown = command.argv.map(String);
    if (options.root) {
      report.skipped.push(shown);
      print(`  skipped (--root) ${shown.join(' ')}`);
      continue;
    }
    print(`  run ${shown.join(' ')}`);
    try {
      await runCommand(command);
      report.ran.push(shown);
    } catch (error) {
      report.failed.push({ argv: shown, why: command.why, message: (error as Error).message });
      if (!command.allowFailure) throw error;
      print(`  (allowed to fail) ${(error as Error).message}`);
    }
  }
  return report;
}

function unwrap(arg: string | Secret): string {
  return arg instanceof Secret ? arg.value : arg;
}
