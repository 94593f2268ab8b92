/**
 * Whether a request asked for JSON rather than a page (the order's status link answers
 * both). JSON only when the client named it and did not prefer HTML: browsers send
 * `text/html,…,*\/*;q=0.8` and get the page; `Accept: application/json` gets JSON; a bare
 * `*\/*` (curl) gets the page.
 */

interface MediaRange {
  type: string;
  q: number;
  index: number;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .slice(0, 50)
    .map((entry, index) => {
      const [type, ...params] = entry.split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/i.exec(p)?.[1]).find(Boolean);
      const value = q === undefined ? 1 : Number(q);
      return { type: type.trim().toLowerCase(), q: Number.isFinite(value) ? value : 0, index };
    });
}

/** True when the Accept header prefers JSON over HTML. */
export function prefersJson(header: string | undefined): boolean {
  if (!header) return false;
  const ranges = parseAccept(header);
  const best = (match: (type: string) => boolean) => ranges.filter((r) => match(r.type)).sort((a, b) => b.q - a.q || a.index - b.index)[0];
  const json = best((t) => t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json')));
  if (!json || json.q <= 0) return false;
  const html = best((t) => t === 'text/html');
  if (html && (html.q > json.q || (html.q === json.q && html.index < json.index))) return false;
  const wildcard = best((t) => t === 'text/*' || t === '*/*');
  return !wildcard || json.q >= wildcard.q;
}
