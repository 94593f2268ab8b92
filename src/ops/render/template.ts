/**
 * Loading and filling the text templates shipped in nginx-templates/ and systemd-units/.
 * Placeholders are `{{name}}`; a placeholder without a value is a bug, so it throws
 * instead of leaving `{{name}}` (or an empty string) in a config file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, TtopsError } from '../../errors.js';
import { packageRoot } from '../../paths.js';

/** One file a plan writes: absolute target path, permission bits, full content. */
export interface RenderedFile {
  path: string;
  mode: number;
  content: string;
}

/** Values a template may reference; numbers are written in decimal. */
export type TemplateVars = Readonly<Record<string, string | number>>;

/** Reads a template shipped with the package (path relative to the package root). */
export function loadTemplate(relPath: string): string {
  return readFileSync(path.join(packageRoot(), relPath), 'utf8');
}

/**
 * Placeholder syntaxes: `{{name}}` for nginx and systemd; `<<name>>` for Prometheus rules
 * and Grafana dashboards, whose own `{{ $labels.x }}` / `{{status}}` must pass through.
 */
const SYNTAX = {
  braces: { placeholder: /\{\{([^{}]*)\}\}/g, open: '{{', show: (name: string) => `{{${name}}}` },
  angles: { placeholder: /<<([^<>]*)>>/g, open: '<<', show: (name: string) => `<<${name}>>` },
} as const;
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Fills placeholders (`{{name}}` unless told otherwise) in one pass; throws listing every placeholder it cannot fill. */
export function fillTemplate(text: string, vars: TemplateVars, syntax: keyof typeof SYNTAX = 'braces'): string {
  const { placeholder: PLACEHOLDER, open, show } = SYNTAX[syntax];
  const problems = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole, name: string) => {
    if (!NAME.test(name)) {
      problems.add(`malformed ${whole}`);
      return whole;
    }
    if (!Object.hasOwn(vars, name)) {
      problems.add(`no value for ${show(name)}`);
      return whole;
    }
    return String(vars[name]);
  });
  // An opener that did not form a placeholder (unclosed, nested) is a template typo too.
  const stray = text.replace(PLACEHOLDER, '').includes(open);
  if (stray) problems.add(`unclosed ${open}`);
  if (problems.size > 0) {
    throw new TtopsError(
      'template_invalid',
      `Template cannot be filled: ${[...problems].join(', ')}. This is a bug in ttops; please report it.`,
      500,
      EXIT.internal,
      { context: { problems: [...problems] } },
    );
  }
  return out;
}
