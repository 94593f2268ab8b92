/** Declarations of the billing commands: `products list|add|edit|disable`. */
import { InvalidArgumentError } from 'commander';
import { parseRubles } from '../../billing/catalogue.js';
import { int } from './int.js';
import type { Register } from './types.js';

/** Rubles as typed (`290`, `290.50`) → kopecks, as a commander parser. */
function rubles(value: string): number {
  try {
    return parseRubles(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Flags `add` and `edit` share; `add` requires some of them. */
export interface ProductFlags {
  titleRu?: string;
  titleEn?: string;
  credits?: number;
  plan?: string;
  ttlDays?: number;
  priceRub?: number;
  priceStars?: number;
  sort?: number;
}

/** Registers `products`. */
export const register: Register = (program, io, action) => {
  const products = program.command('products').description('the catalogue the bot and the shop sell: credit packs and license plans');
  products
    .command('list')
    .description('list products in catalogue order (prices: RUB and Telegram Stars)')
    .option('--enabled', 'only products on sale')
    .action(action(async (g, o: { enabled?: boolean }) => (await import('../commands/products.js')).runProductsList(io, g, o)));

  products
    .command('add')
    .description('add a credit pack (--kind credits --credits N) or a license plan (--kind license --plan P --ttl-days N)')
    .requiredOption('--kind <kind>', 'credits or license')
    .requiredOption('--code <code>', 'stable slug, e.g. credits-20')
    .requiredOption('--title-ru <text>', 'Russian title, up to 32 characters (the invoice title)')
    .requiredOption('--title-en <text>', 'English title, up to 32 characters')
    .option('--credits <n>', 'credits in the pack', int(1, 1_000_000))
    .option('--plan <plan>', 'license plan, e.g. pro')
    .option('--ttl-days <n>', 'days of access the license key gives', int(1, 3650))
    .requiredOption('--price-rub <rubles>', 'price in rubles, e.g. 290 or 290.50 (stored in kopecks)', rubles)
    .requiredOption('--price-stars <n>', 'price in Telegram Stars', int(1, 1_000_000))
    .option('--sort <n>', 'position in the catalogue (smaller first)', int(-1_000_000, 1_000_000), 0)
    .option('--disabled', 'add it switched off')
    .action(action(async (g, o: ProductFlags & { kind: string; code: string; disabled?: boolean }) => (await import('../commands/products.js')).runProductsAdd(io, g, o)));

  products
    .command('edit <id-or-code>')
    .description('change a product (kind and code stay); --enable / --disable put it on or off sale')
    .option('--title-ru <text>', 'Russian title, up to 32 characters')
    .option('--title-en <text>', 'English title, up to 32 characters')
    .option('--credits <n>', 'credits in the pack', int(1, 1_000_000))
    .option('--plan <plan>', 'license plan')
    .option('--ttl-days <n>', 'days of access the license key gives', int(1, 3650))
    .option('--price-rub <rubles>', 'price in rubles, e.g. 290 or 290.50', rubles)
    .option('--price-stars <n>', 'price in Telegram Stars', int(1, 1_000_000))
    .option('--sort <n>', 'position in the catalogue', int(-1_000_000, 1_000_000))
    .option('--enable', 'put it on sale')
    .option('--disable', 'take it off sale')
    .action(action(async (g, ref: string, o: ProductFlags & { enable?: boolean; disable?: boolean }) => (await import('../commands/products.js')).runProductsEdit(io, g, ref, o)));

  products
    .command('disable <id-or-code>')
    .description('take a product off sale (it stays in the catalogue; past payments keep pointing at it)')
    .action(action(async (g, ref: string) => (await import('../commands/products.js')).runProductsDisable(io, g, ref)));
};
