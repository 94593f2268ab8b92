/**
 * Rubles at the provider edge, kopecks inside. Providers state amounts as decimal text
 * ("100.000000", "290.00", 1188): parsing is exact (no floats), and an amount with more
 * than two non-zero decimals is not a ruble amount at all, so it is refused, not rounded.
 */

/** Kopecks as a ruble string with two decimals: 12345 → "123.45". */
export function rublesText(kopecks: number): string {
  if (!Number.isSafeInteger(kopecks) || kopecks < 0) throw new RangeError(`not a kopeck amount: ${kopecks}`);
  return `${Math.trunc(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`;
}

const DECIMAL = /^(\d{1,13})(?:\.(\d{1,12}))?$/;

/**
 * A non-negative decimal ruble amount as kopecks, exactly: "100.000000" → 10000,
 * "123.4" → 12340; undefined for anything else (signs, exponents, "1.005", blanks).
 */
export function parseKopecks(text: string): number | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const fraction = (m[2] ?? '').padEnd(2, '0');
  if (/[^0]/.test(fraction.slice(2))) return undefined;
  const kopecks = Number(m[1]) * 100 + Number(fraction.slice(0, 2));
  return Number.isSafeInteger(kopecks) ? kopecks : undefined;
}

/** A JSON number or string amount in rubles as kopecks (WATA sends numbers: 1188, 12.3). */
export function parseRubleValue(value: unknown): number | undefined {
  if (typeof value === 'string') return parseKopecks(value);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return parseKopecks(String(value));
  return undefined;
}
