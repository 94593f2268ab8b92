/** Declarations of the checkout commands: `promo create|list|disable|enable` and `payments list|show|refund`. */
import { InvalidArgumentError, type Command } from 'commander';
import { parseRubles } from '../../billing/catalogue.js';
import type { PromoInput } from '../../billing/promos.js';
import { int } from './int.js';
import type { ActionFactory, Register } from './types.js';
import type { Io } from '../io.js';

/** Rubles as typed (`100`, `99.50`) → kopecks, as a commander parser. */
function rubles(value: string): number {
  try {
    return parseRubles(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function registerPromo(program: Command, io: Io, action: ActionFactory): void {
  const promo = program.command('promo').description('promo codes for the web shop: a percent or fixed discount, or bonus credits');
  promo
    .command('create <code>')
    .description('add a code: exactly one of --percent, --fixed or --credits; each buyer may use it once')
    .option('--percent <n>', 'percent off the price', int(1, 100))
    .option('--fixed <rubles>', 'rubles off the price, e.g. 100 or 99.50', rubles)
    .option('--credits <n>', 'bonus credits added to the order', int(1, 1_000_000))
    .option('--max-uses <n>', 'how many orders may use it (default: unlimited)', int(1))
    .option('--expires <date>', 'last day (YYYY-MM-DD, through its end, UTC) or an ISO timestamp')
    .action(
      action(async (g, code: string, o: { percent?: number; fixed?: number; credits?: number; maxUses?: number; expires?: string }) => {
        const input: PromoInput = { code, percent: o.percent, fixedKopecks: o.fixed, credits: o.credits, maxUses: o.maxUses, expires: o.expires };
        return (await import('../commands/promo.js')).runPromoCreate(io, g, input);
      }),
    );
  promo
    .command('list')
    .description('list promo codes, newest first, with their uses')
    .action(action(async (g) => (await import('../commands/promo.js')).runPromoList(io, g)));
  promo
    .command('disable <code>')
    .description('switch a code off: new orders cannot use it (orders made with it keep their price)')
    .action(action(async (g, code: string) => (await import('../commands/promo.js')).runPromoSetEnabled(io, g, code, false)));
  promo
    .command('enable <code>')
    .description('switch a code on again')
    .action(action(async (g, code: string) => (await import('../commands/promo.js')).runPromoSetEnabled(io, g, code, true)));
}

/** The `payments` group; other payment commands (refund) are added to the Command this returns. */
export function registerPayments(program: Command, io: Io, action: ActionFactory): Command {
  const payments = program.command('payments').description('payments from every provider (Stars, Robokassa, YooKassa, WATA) and their audit trail');
  payments
    .command('list')
    .description('list payments, newest first')
    .option('--status <status>', 'pending, paid, rejected, refund_requested or refunded')
    .option('--provider <provider>', 'telegram_stars, robokassa, yookassa or wata')
    .option('--limit <n>', 'at most this many', int(1, 10_000), 50)
    .action(action(async (g, o: { status?: string; provider?: string; limit: number }) => (await import('../commands/payments.js')).runPaymentsList(io, g, o)));
  payments
    .command('show')
    .description('one payment, the order it paid and its audit rows')
    .argument('<id>', 'the payment id (`ttops payments list` shows them)', int(1))
    .action(action(async (g, id: number) => (await import('../commands/payments.js')).runPaymentsShow(io, g, id)));
  payments
    .command('refund')
    .description('give a payment back: through the provider (YooKassa, Telegram Stars), or --manual after refunding in the provider cabinet; takes back its credits and revokes its license')
    .argument('<id>', 'the payment id (`ttops payments list` shows them)', int(1))
    .option('--manual', 'the money was returned in the provider cabinet already: only record it')
    .option('--yes', 'do not ask for confirmation')
    .option('--dry-run', 'show what would be refunded, change nothing')
    .action(action(async (g, id: number, o: { manual?: boolean; yes?: boolean; dryRun?: boolean }) => (await import('../commands/payments.js')).runPaymentsRefund(io, g, id, o)));
  return payments;
}

/** Registers `promo` and `payments`. */
export const register: Register = (program, io, action) => {
  registerPromo(program, io, action);
  registerPayments(program, io, action);
};
