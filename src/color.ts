/**
 * The one colour layer. Colour is on only on a terminal, without `--no-color` and without
 * a non-empty NO_COLOR (no-color.org); every coloured thing — state words in `status` and
 * `healthcheck`, the pretty log, the prompts — asks this module, so one decision holds everywhere.
 */
import { Chalk } from 'chalk';

/** Whether to colour output that goes to a stream: `flag` is false for `--no-color`. */
export function colorEnabled(options: { flag?: boolean; env: NodeJS.ProcessEnv; isTty: boolean }): boolean {
  if (options.flag === false) return false;
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return false;
  return options.isTty;
}

/** Colours for state words; identity functions when colour is off, so renderers need no branches. */
export interface Paint {
  /** Healthy, passing, current. */
  ok(text: string): string;
  /** Degraded, pending, unknown: look at it soon. */
  warn(text: string): string;
  /** Failing, unreachable. */
  fail(text: string): string;
  /** Secondary detail. */
  dim(text: string): string;
}

/** Plain text: what renderers use when nobody passes a Paint (tests, --json, pipes). */
export const PLAIN: Paint = { ok: (t) => t, warn: (t) => t, fail: (t) => t, dim: (t) => t };

/** A Paint that colours when `enabled` (chalk at 16 colours: readable on every terminal theme). */
export function makePaint(enabled: boolean): Paint {
  if (!enabled) return PLAIN;
  const chalk = new Chalk({ level: 1 });
  return { ok: (t) => chalk.green(t), warn: (t) => chalk.yellow(t), fail: (t) => chalk.red(t), dim: (t) => chalk.dim(t) };
}

/** Paints a word by what it says (ok/pass/healthy/active green, warn/pending yellow, fail/error red). */
export function paintState(paint: Paint, word: string): string {
  if (/^(ok|pass|healthy|active|current)$/i.test(word)) return paint.ok(word);
  if (/^(fail|failed|unhealthy|unreachable|error|expired)$/i.test(word)) return paint.fail(word);
  if (/^(warn|warning|pending|unknown|inactive|activating|deactivating|reloading)$/i.test(word)) return paint.warn(word);
  return word;
}

/**
 * A theme for @inquirer/prompts without any escape codes. Its own colours follow Node's
 * reading of NO_COLOR/TERM when the module loads, which `--no-color` cannot reach; prompts
 * take this theme when colour is off and their defaults otherwise.
 */
export function promptTheme(enabled: boolean): Record<string, unknown> | undefined {
  if (enabled) return undefined;
  const same = (text: string) => text;
  return {
    prefix: { idle: '?', done: '✔' },
    spinner: { interval: 80, frames: ['-', '\\', '|', '/'] },
    style: {
      answer: same,
      message: same,
      error: (text: string) => `> ${text}`,
      defaultAnswer: (text: string) => `(${text})`,
      help: same,
      highlight: same,
      key: (text: string) => `<${text}>`,
      disabled: (text: string) => `- ${text}`,
      description: same,
      keysHelpTip: (keys: [string, string][]) => keys.map(([key, action]) => `${key} ${action}`).join(' • '),
    },
  };
}
