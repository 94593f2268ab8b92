/**
 * The one runner: the only ops code that writes files or spawns processes. Files are written
 * atomically (temp file + rename) with their mode; with `root` every path lands under a
 * staging directory and no command runs (how tests and `--root` rehearse a plan).
 */
import { chmodSync, chownSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FailureError } from '../errors.js';
import type { Io } from '../cli/io.js';
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

/** Runs one command; resolves with its output or throws FailureError with stderr. */
export async function runCommand(command: PlannedCommand): Promise<{ stdout: string; stderr: string }> {
  const { execa } = await import('execa');
  const [file, ...args] = command.argv.map(unwrap);
  try {
    const result = await execa(file, args, { stdin: 'ignore', reject: true, all: false });
    return { stdout: String(result.stdout), stderr: String(result.stderr) };
  } catch (error) {
    const e = error as { stderr?: string; shortMessage?: string; code?: string };
    const detail = (e.stderr || e.shortMessage || String(error)).trim().split('\n').slice(-5).join('\n');
    throw new FailureError('command_failed', `${command.why}: \`${command.argv.map(String).join(' ')}\` failed — ${detail}`, { cause: error });
  }
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
