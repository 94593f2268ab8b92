/**
 * HTML from template literals with escaping by default: every interpolated value is escaped
 * unless it is already `Html` (the output of another template), so a product title, a promo
 * code or an error message can never become markup. Attributes are always double-quoted in
 * our templates, and the escape covers both quote kinds, so the same rule holds inside them.
 */

/** Markup that is already safe: produced by `html` (or `raw` on a constant). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** One interpolated value: Html as is, lists joined, nothing for null/undefined/false, anything else escaped. */
function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** The template tag: `html\`<p>${name}</p>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Constant markup written in our own source (never user data). */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** A link target we are willing to put in an href: a path on this site, or an http(s) URL. */
export function safeHref(url: string): string {
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.toString() : '#';
  } catch {
    return '#';
  }
}
