/**
 * The two cookies the pages use (the cabinet session and the chosen language): parsing the
 * Cookie header and writing Set-Cookie values. Small on purpose: no signing (the session
 * value is a signed JWT already), values limited to URL-safe characters.
 */

/** Cookie name → value (first one wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** How a cookie is set. */
export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
  httpOnly?: boolean;
}

/** A Set-Cookie value: Path=/, SameSite=Lax, HttpOnly unless told otherwise. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!/^[A-Za-z0-9._~+/=-]*$/.test(value)) throw new Error(`cookie ${name} value has characters a cookie cannot carry`);
  const parts = [`${name}=${value}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`, 'SameSite=Lax'];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
