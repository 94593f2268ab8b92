/**
 * Which language a page or answer is in: Russian first, English second. An explicit
 * `?lang=` wins (and the pages remember it in a cookie), then the `lang` cookie, then the
 * browser's Accept-Language, then Russian.
 */
export type Lang = 'ru' | 'en';

/** Name of the cookie that remembers a chosen language. */
export const LANG_COOKIE = 'lang';

/** `ru` / `en` (also `en-GB`, `RU`), or undefined for anything else. */
export function asLang(value: unknown): Lang | undefined {
  if (typeof value !== 'string') return undefined;
  const primary = value.trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'ru' || primary === 'en' ? primary : undefined;
}

/** The first of ru/en the Accept-Language header prefers (by q), or undefined. */
export function langFromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((entry, index) => {
      const [tag, ...params] = entry.split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: asLang(tag), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((e) => e.lang !== undefined && Number.isFinite(e.q) && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.lang;
}

/** The language from the explicit choice, the cookie, then Accept-Language; Russian by default. */
export function pickLang(explicit: unknown, cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  return asLang(explicit) ?? asLang(cookie) ?? langFromAcceptLanguage(acceptLanguage) ?? 'ru';
}
