/** Small date helpers shared by services and adapters: times travel as ISO-8601 UTC strings. */

const DAY_MS = 86_400_000;

/** The ISO string `days` after `iso`. */
export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString();
}

/** The later of two ISO times (null counts as "no time"). */
export function laterOf(a: string | null, b: string): string {
  return a !== null && Date.parse(a) > Date.parse(b) ? a : b;
}

/** Now, as the ISO string every table stores. */
export function nowIso(): string {
  return new Date().toISOString();
}
