/**
 * Plans: what an ops command will do — files to write (with mode and owner) and commands
 * to run (argv arrays, never shell strings) — computed by pure functions and executed by
 * the one runner. Secrets inside a plan are wrapped so that printing it shows `[redacted]`.
 */
import { REDACTED } from '../config/redact.js';

/** A value that must never be printed (Kamal's Sensitive). */
export class Secret {
  constructor(readonly value: string) {}
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
}

/** One argument of a command: plain text or a secret. */
export type Arg = string | Secret;

/** A file the plan writes. `sensitive` content is redacted whenever the plan is shown. */
export interface PlannedFile {
  path: string;
  mode: number;
  content: string;
  owner?: string;
  group?: string;
  sensitive?: boolean;
}

/** A command the plan runs. */
export interface PlannedCommand {
  argv: Arg[];
  why: string;
  /** A failure is reported but does not stop the plan. */
  allowFailure?: boolean;
  /** Extra environment (e.g. PGPASSWORD as a Secret, so it never shows in argv or `ps`). */
  env?: Record<string, Arg>;
}

/** Everything one ops action will do, in order: files first, then commands. */
export interface Plan {
  title: string;
  files: PlannedFile[];
  commands: PlannedCommand[];
}

/** An empty plan to build on. */
export function makePlan(title: string, parts: Partial<Omit<Plan, 'title'>> = {}): Plan {
  return { title, files: parts.files ?? [], commands: parts.commands ?? [] };
}

/** Several plans as one (for `--dry-run` of a multi-phase command). */
export function concatPlans(title: string, plans: Plan[]): Plan {
  return { title, files: plans.flatMap((p) => p.files), commands: plans.flatMap((p) => p.commands) };
}

/** A command from argv. */
export function cmd(why: string, ...argv: Arg[]): PlannedCommand {
  return { argv, why };
}

/** The plan as JSON-safe data (`--json`): secrets and sensitive contents redacted. */
export function planToJson(plan: Plan): { title: string; files: Omit<PlannedFile, 'sensitive'>[]; commands: { argv: string[]; why: string }[] } {
  return {
    title: plan.title,
    files: plan.files.map(({ sensitive, ...f }) => ({ ...f, mode: f.mode, content: sensitive ? REDACTED : f.content })),
    commands: plan.commands.map((c) => ({ argv: c.argv.map(String), why: c.why })),
  };
}

/** The plan as lines for `--dry-run`. */
export function renderPlan(plan: Plan): string {
  const lines = [`# ${plan.title}`];
  for (const f of plan.files) lines.push(`write ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')}${f.owner ? `, ${f.owner}:${f.group ?? f.owner}` : ''})`);
  for (const c of plan.commands) lines.push(`run   ${c.argv.map((a) => quoteForDisplay(String(a))).join(' ')}    # ${c.why}`);
  return lines.join('\n');
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
