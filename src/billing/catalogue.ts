/**
 * The products catalogue as admins and the bot see it: validated adds and edits (a product
 * must stay sellable — titles fit a Telegram invoice title, prices are positive), lookups by
 * id or code, and the JSON view. The store audits every change.
 */
import { InvalidInputError, NotFoundError } from '../errors.js';
import { PLAN_PATTERN } from '../licenses/service.js';
import { isRowId } from '../store/rows.js';
import type { Actor, NewProduct, ProductKind, ProductPatch, ProductRecord, ProductStore } from '../store/types.js';

/** A product as `ttops products` prints it (and GET /v2/products will): `price_rub` in kopecks. */
export interface ProductView {
  id: number;
  kind: ProductKind;
  code: string;
  title_ru: string;
  title_en: string;
  credits: number | null;
  plan: string | null;
  ttl_days: number | null;
  price_rub: number;
  price_stars: number;
  enabled: boolean;
  sort: number;
  created_at: string;
  updated_at: string;
}

/** What an admin gives to add a product (prices already in kopecks / Stars). */
export interface ProductInput {
  kind: string;
  code: string;
  titleRu: string;
  titleEn: string;
  credits?: number;
  plan?: string;
  ttlDays?: number;
  priceRub: number;
  priceStars: number;
  enabled?: boolean;
  sort?: number;
}

export const CODE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** Telegram's limit for an invoice title: the product title becomes one. */
export const MAX_TITLE = 32;
const MAX_CREDITS = 1_000_000;
const MAX_TTL_DAYS = 3650;
const MAX_KOPECKS = 100_000_000_00;
const MAX_STARS = 1_000_000;

/** The JSON shape of a product. */
export function productView(p: ProductRecord): ProductView {
  return {
    id: p.id,
    kind: p.kind,
    code: p.code,
    title_ru: p.titleRu,
    title_en: p.titleEn,
    credits: p.credits,
    plan: p.plan,
    ttl_days: p.ttlDays,
    price_rub: p.priceRub,
    price_stars: p.priceStars,
    enabled: p.enabled,
    sort: p.sort,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/** Kopecks from what an admin types in rubles: `290`, `290.5`, `290.50` (a comma works too). */
export function parseRubles(text: string): number {
  const m = /^(\d{1,10})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  const kopecks = m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : NaN;
  if (!m || kopecks < 1 || kopecks > MAX_KOPECKS) throw new InvalidInputError('invalid_price_rub', `${JSON.stringify(text)} is not a price in rubles — write it like 290 or 290.50`);
  return kopecks;
}

/** Rubles for people: 29000 → "290.00". */
export function formatRubles(kopecks: number): string {
  return `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`;
}

function wholeIn(value: number | null | undefined, name: string, max: number): void {
  if (value === null || value === undefined || !Number.isInteger(value) || value < 1 || value > max) throw new InvalidInputError(`invalid_${name}`, `${name} must be a whole number from 1 to ${max}`);
}

function title(value: string, name: string): string {
  const t = value.trim();
  if (t.length < 1 || [...t].length > MAX_TITLE) throw new InvalidInputError(`invalid_${name}`, `${name} must be 1–${MAX_TITLE} characters (it becomes the Telegram invoice title)`);
  return t;
}

/** Refuses a product that could not be sold as it stands, with the field to fix. */
export function validateProduct(p: NewProduct): NewProduct {
  if (p.kind !== 'credits' && p.kind !== 'license') throw new InvalidInputError('invalid_kind', 'kind must be `credits` (a credit pack) or `license` (a license plan)');
  if (!CODE_PATTERN.test(p.code)) throw new InvalidInputError('invalid_code', 'code must be 1–40 lower-case letters, digits, `-` or `_`, starting with a letter or digit, e.g. credits-10');
  const checked = { ...p, titleRu: title(p.titleRu, 'title_ru'), titleEn: title(p.titleEn, 'title_en') };
  if (p.kind === 'credits') {
    if (p.plan !== null || p.ttlDays !== null) throw new InvalidInputError('invalid_product', 'a credits product has no plan or ttl days — give --credits N only');
    wholeIn(p.credits, 'credits', MAX_CREDITS);
  } else {
    if (p.credits !== null) throw new InvalidInputError('invalid_product', 'a license product has no credits — give --plan and --ttl-days');
    if (p.plan === null || !PLAN_PATTERN.test(p.plan)) throw new InvalidInputError('invalid_plan', 'a license product needs --plan: 1–32 letters, digits, `_`, `.` or `-`, e.g. pro');
    wholeIn(p.ttlDays, 'ttl_days', MAX_TTL_DAYS);
  }
  wholeIn(p.priceRub, 'price_rub', MAX_KOPECKS);
  wholeIn(p.priceStars, 'price_stars', MAX_STARS);
  if (!Number.isInteger(p.sort)) throw new InvalidInputError('invalid_sort', 'sort must be a whole number');
  return checked;
}

/** Finds a product by numeric id or code. */
export async function findProductRef(store: Pick<ProductStore, 'findProduct' | 'findProductByCode'>, ref: string): Promise<ProductRecord> {
  const trimmed = ref.trim();
  const found = /^\d+$/.test(trimmed) ? (isRowId(Number(trimmed)) ? await store.findProduct(Number(trimmed)) : undefined) : await store.findProductByCode(trimmed);
  if (!found) throw new NotFoundError('product_not_found', `no product ${ref} — \`ttops products list\` shows ids and codes`);
  return found;
}

/** Adds a product (enabled unless said otherwise). */
export async function addProduct(store: ProductStore, input: ProductInput, by: Actor): Promise<ProductView> {
  const product = validateProduct({
    kind: input.kind as ProductKind,
    code: input.code.trim(),
    titleRu: input.titleRu,
    titleEn: input.titleEn,
    credits: input.credits ?? null,
    plan: input.plan ?? null,
    ttlDays: input.ttlDays ?? null,
    priceRub: input.priceRub,
    priceStars: input.priceStars,
    enabled: input.enabled ?? true,
    sort: input.sort ?? 0,
  });
  return productView(await store.addProduct(product, by));
}

/** Changes a product; the result must still be a valid product of its kind. */
export async function editProduct(store: ProductStore, ref: string, patch: ProductPatch, by: Actor): Promise<ProductView> {
  const current = await findProductRef(store, ref);
  const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as ProductPatch;
  if (Object.keys(changes).length === 0) throw new InvalidInputError('nothing_to_change', 'say what to change, e.g. --price-stars 200 or --title-en "10 credits"');
  const merged = validateProduct({ ...current, ...changes });
  const cleaned: ProductPatch = Object.fromEntries(Object.keys(changes).map((k) => [k, merged[k as keyof ProductPatch]]));
  const updated = await store.updateProduct(current.id, cleaned, by);
  if (!updated) throw new NotFoundError('product_not_found', `product ${ref} no longer exists`);
  return productView(updated);
}

/** Lists products in catalogue order. */
export async function listProductViews(store: ProductStore, options: { enabledOnly?: boolean } = {}): Promise<ProductView[]> {
  return (await store.listProducts(options)).map(productView);
}
