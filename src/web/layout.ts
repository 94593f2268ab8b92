/**
 * The frame every page shares: one inline stylesheet (allowed by its hash in the CSP, so no
 * `'unsafe-inline'`), the navigation, the language switch, and an optional meta refresh
 * (how the return page polls without JavaScript).
 */
import { createHash } from 'node:crypto';
import { html, raw, type Html } from './html.js';
import type { Lang } from './lang.js';
import { textsFor } from './texts.js';

/** The pages' only style: small, readable, no external fonts or images. */
export const PAGE_CSS = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f8}
main{max-width:40rem;margin:0 auto;padding:1rem 1.25rem 3rem}
header{display:flex;gap:1rem;align-items:center;max-width:40rem;margin:0 auto;padding:.75rem 1.25rem;border-bottom:1px solid #ddd}
header .site{font-weight:700;margin-right:auto}
a{color:#0b57d0}
fieldset{border:1px solid #ccc;border-radius:.5rem;margin:1rem 0;padding:.5rem 1rem}
label.choice{display:block;padding:.35rem 0}
input[type=text],input[type=password]{font:inherit;padding:.4rem;width:100%;max-width:20rem;box-sizing:border-box}
button{font:inherit;padding:.5rem 1.25rem;border-radius:.4rem;border:0;background:#0b57d0;color:#fff;cursor:pointer}
button.link{background:none;color:#0b57d0;padding:0;text-decoration:underline}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.5rem .75rem;border-radius:.4rem}
.notice{background:#eef4ff;border:1px solid #b8cbf0;padding:.5rem .75rem;border-radius:.4rem}
.warning{background:#fff6da;border:1px solid #e6c860;padding:.5rem .75rem;border-radius:.4rem;font-weight:600}
.key{display:block;font:1.4rem/1.4 ui-monospace,Menlo,Consolas,monospace;padding:.75rem;margin:.5rem 0;background:#fff;border:2px dashed #0b57d0;border-radius:.4rem;user-select:all;-webkit-user-select:all;word-break:break-all}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e3e3e3}
.status-paid{color:#137333}.status-failed,.status-expired{color:#b3261e}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{color:#555}dd{margin:0}
`;

/** The CSP source that allows exactly PAGE_CSS. */
export const PAGE_CSS_HASH = `'sha256-${createHash('sha256').update(PAGE_CSS, 'utf8').digest('base64')}'`;

/** What a page puts in the frame. */
export interface PageFrame {
  lang: Lang;
  title: string;
  body: Html;
  /** Where the language switch points (the same page in the other language). */
  switchHref: string;
  /** Seconds until the browser reloads the page by itself. */
  refreshSeconds?: number;
}

/** A whole HTML document. */
export function renderPage(frame: PageFrame): string {
  const t = textsFor(frame.lang);
  return `<!doctype html>\n${html`<html lang="${t.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${frame.refreshSeconds ? html`<meta http-equiv="refresh" content="${frame.refreshSeconds}">` : ''}
<title>${frame.title} — ${t.site}</title>
<style>${raw(PAGE_CSS)}</style>
</head>
<body>
<header><span class="site">${t.site}</span><a href="/buy">${t.navBuy}</a><a href="/account">${t.navAccount}</a><a href="${frame.switchHref}" hreflang="${t.switchLang}" lang="${t.switchLang}">${t.switchTo}</a></header>
<main>
<h1>${frame.title}</h1>
${frame.body}
</main>
</body>
</html>`}\n`;
}

/**
 * The same path and query with `lang` set: the language switch. Only the path and query of
 * the current request are used, so the link stays on this site.
 */
export function withLang(url: string, lang: Lang): string {
  const parsed = new URL(url, 'http://localhost');
  parsed.searchParams.set('lang', lang);
  return `${parsed.pathname}${parsed.search}`;
}
