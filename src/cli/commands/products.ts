/** `ttops products list|add|edit|disable`: the admin's hand on the catalogue (every change is audited). */
import { addProduct, editProduct, formatRubles, listProductViews, type ProductView } from '../../billing/catalogue.js';
import { InvalidInputError } from '../../errors.js';
import type { ProductPatch } from '../../store/types.js';
import { cliActor, commandConfig, withStore } from '../context.js';
import { printResult, table, type GlobalOptions, type Io } from '../io.js';
import type { ProductFlags } from '../register/billing.js';

const NONE_ENABLED = 'warning: no product is enabled — nothing can be bought; put one on sale with `ttops products edit <code> --enable`';

function rows(products: ProductView[]): Record<string, unknown>[] {
  return products.map((p) => ({
    ...p,
    what: p.kind === 'credits' ? `${p.credits} credits` : `${p.plan}, ${p.ttl_days} days`,
    rub: formatRubles(p.price_rub),
    stars: p.price_stars,
    on_sale: p.enabled ? 'yes' : 'no',
  }));
}

function describe(p: ProductView): string {
  return `${p.code} (id ${p.id}, ${p.kind === 'credits' ? `${p.credits} credits` : `${p.plan} for ${p.ttl_days} days`}): ${formatRubles(p.price_rub)} RUB / ${p.price_stars} Stars, ${p.enabled ? 'on sale' : 'off sale'}`;
}

/** Lists the catalogue; says so when it is empty or nothing is on sale. */
export async function runProductsList(io: Io, globals: GlobalOptions, options: { enabled?: boolean }): Promise<void> {
  const config = commandConfig(io, globals);
  const products = await withStore(config, (store) => listProductViews(store, { enabledOnly: options.enabled }));
  printResult(io, globals, products, () =>
    products.length ? table(rows(products), ['id', 'code', 'kind', 'what', 'rub', 'stars', 'on_sale', 'sort', 'title_ru', 'title_en']) : options.enabled ? 'no product is on sale' : 'no products — add one with `ttops products add`',
  );
  if (!products.some((p) => p.enabled)) io.stderr.write(`${NONE_ENABLED}\n`);
}

/** Adds a product. */
export async function runProductsAdd(io: Io, globals: GlobalOptions, o: ProductFlags & { kind: string; code: string; disabled?: boolean }): Promise<void> {
  const product = await withStore(commandConfig(io, globals), (store) =>
    addProduct(
      store,
      { kind: o.kind, code: o.code, titleRu: o.titleRu!, titleEn: o.titleEn!, credits: o.credits, plan: o.plan, ttlDays: o.ttlDays, priceRub: o.priceRub!, priceStars: o.priceStars!, sort: o.sort, enabled: !o.disabled },
      cliActor(io),
    ),
  );
  printResult(io, globals, product, () => `added ${describe(product)}`);
}

/** Changes a product. */
export async function runProductsEdit(io: Io, globals: GlobalOptions, ref: string, o: ProductFlags & { enable?: boolean; disable?: boolean }): Promise<void> {
  if (o.enable && o.disable) throw new InvalidInputError('conflicting_flags', 'give --enable or --disable, not both');
  const patch: ProductPatch = {
    titleRu: o.titleRu,
    titleEn: o.titleEn,
    credits: o.credits,
    plan: o.plan,
    ttlDays: o.ttlDays,
    priceRub: o.priceRub,
    priceStars: o.priceStars,
    sort: o.sort,
    enabled: o.enable ? true : o.disable ? false : undefined,
  };
  await change(io, globals, ref, patch, 'changed');
}

/** Takes a product off sale. */
export async function runProductsDisable(io: Io, globals: GlobalOptions, ref: string): Promise<void> {
  await change(io, globals, ref, { enabled: false }, 'disabled');
}

async function change(io: Io, globals: GlobalOptions, ref: string, patch: ProductPatch, verb: string): Promise<void> {
  const { product, enabled } = await withStore(commandConfig(io, globals), async (store) => {
    const product = await editProduct(store, ref, patch, cliActor(io));
    return { product, enabled: (await store.listProducts({ enabledOnly: true })).length };
  });
  printResult(io, globals, product, () => `${verb} ${describe(product)}`);
  if (enabled === 0) io.stderr.write(`${NONE_ENABLED}\n`);
}
