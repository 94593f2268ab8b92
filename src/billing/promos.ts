/**
 * Promo codes as admins see them: a validated create (exactly one of a percent off, a fixed
 * ruble discount or bonus credits; a code people can type; an expiry in the future), switching
 * a code on or off, and the JSON view. The store takes uses and audits every change.
 */
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { Actor, PromoKind, PromoRecord, PromoStore } from '../store/types.js';
import { formatRubles } from './catalogue.js';

/** A promo as `ttops promo` prints it: `value` in percent, kopecks or credits by `kind`. */
export interface PromoView {
  id: number;
  code: string;
  kind: PromoKind;
  value: number;
  max_uses: number | null;
  uses: number;
  expires_at: string | null;
  enabled: boolean;
  created_at: string;
}

/** What an admin gives: one of `percent`, `fixedKopecks`, `credits`. */
export interface PromoInput {
  code: string;
  percent?: number;
  fixedKopecks?: number;
  credits?: number;
  maxUses?: number;
  /** `YYYY-MM-DD` (through the end of that day, UTC) or an ISO timestamp. */
  expires?: string;
}

/** Letters, digits, `-` and `_`, 3–32 of them: typed by buyers, so nothing ambiguous like spaces. */
export const PROMO_CODE_PATTERN = /^[A-Z0-9][A-Z0-9_-]{2,31}$/;
const MAX_CREDITS = 1_000_000;

/** The JSON shape of a promo code. */
export function promoView(p: PromoRecord): PromoView {
  return { id: p.id, code: p.code, kind: p.kind, value: p.value, max_uses: p.maxUses, uses: p.uses, expires_at: p.expiresAt, enabled: p.enabled, created_at: p.createdAt };
}

/** What the code gives, for people: "25% off", "100.00 RUB off", "5 bonus credits". */
export function promoBenefit(p: Pick<PromoView, 'kind' | 'value'>): string {
  if (p.kind === 'percent') return `${p.value}% off`;
  if (p.kind === 'fixed') return `${formatRubles(p.value)} RUB off`;
  return `${p.value} bonus credits`;
}

/** The moment a typed expiry means: a bare date lasts through that day (UTC). */
export function parsePromoExpiry(text: string, now = new Date()): string {
  const t = text.trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(t);
  const ms = date ? Date.parse(`${t}T00:00:00Z`) + 86_400_000 : /^\d{4}-\d{2}-\d{2}T/.test(t) ? Date.parse(t) : NaN;
  if (Number.isNaN(ms)) throw new InvalidInputError('invalid_expires', `${JSON.stringify(text)} is not a date — write it like 2025-12-31 or 2025-12-31T18:00:00Z`);
  if (ms <= now.getTime()) throw new InvalidInputError('invalid_expires', `--expires ${t} is in the past — give a later date`);
  return new Date(ms).toISOString();
}

function kindOf(input: PromoInput): { kind: PromoKind; value: number } {
  const given = [
    input.percent !== undefined && { kind: 'percent' as const, value: input.percent, max: 100 },
    input.fixedKopecks !== undefined && { kind: 'fixed' as const, value: input.fixedKopecks, max: Number.MAX_SAFE_INTEGER },
    input.credits !== undefined && { kind: 'credits' as const, value: input.credits, max: MAX_CREDITS },
  ].filter((g) => g !== false);
  if (given.length !== 1) throw new InvalidInputError('invalid_promo_kind', 'give exactly one of --percent N, --fixed RUBLES or --credits N');
  const [{ kind, value, max }] = given;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new InvalidInputError(`invalid_${kind}`, `--${kind} must be a whole number from 1 to ${max}`);
  return { kind, value };
}

/** Adds a promo code (enabled). */
export async function addPromoCode(store: PromoStore, input: PromoInput, by: Actor, now = new Date()): Promise<PromoView> {
  const code = input.code.trim().toUpperCase();
  if (!PROMO_CODE_PATTERN.test(code)) throw new InvalidInputError('invalid_code', 'a promo code is 3–32 letters, digits, `-` or `_`, starting with a letter or digit, e.g. SPRING25');
  const { kind, value } = kindOf(input);
  if (input.maxUses !== undefined && (!Number.isInteger(input.maxUses) || input.maxUses < 1)) throw new InvalidInputError('invalid_max_uses', '--max-uses must be a whole number of at least 1');
  const expiresAt = input.expires === undefined ? null : parsePromoExpiry(input.expires, now);
  return promoView(await store.addPromo({ code, kind, value, maxUses: input.maxUses ?? null, expiresAt }, by));
}

/** Switches a code on or off; NotFound when there is no such code. */
export async function setPromoCodeEnabled(store: PromoStore, code: string, enabled: boolean, by: Actor): Promise<PromoView> {
  const promo = await store.setPromoEnabled(code, enabled, by);
  if (!promo) throw new NotFoundError('promo_not_found', `no promo code ${code.trim().toUpperCase()} — \`ttops promo list\` shows them`);
  return promoView(promo);
}

/** Every code, newest first. */
export async function listPromoViews(store: PromoStore): Promise<PromoView[]> {
  return (await store.listPromos()).map(promoView);
}
