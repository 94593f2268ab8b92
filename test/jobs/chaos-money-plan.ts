/**
 * What the money traffic of a chaos run will do, decided up front from the seed (a failing
 * seed replays the same plan): which buyers are invited by whom and how, which orders each
 * makes (product, promo, whether and how it is paid), and when each buyer starts. Pure; the
 * runner in chaos-money.ts carries it out against real `ttops serve` processes.
 */

type Range = [number, number];

/** The knobs of the money traffic; `SMALL_MONEY` is the default-suite size. */
export interface MoneyOptions {
  /** Accounts made through the license issue + redeem API, each buying by Bearer token. */
  buyers: number;
  ordersPerBuyer: Range;
  /** Promo codes (percent, fixed, bonus credits in turn), each with a small max_uses from `promoMaxUses`. */
  promos: number;
  promoMaxUses: Range;
  /** Share of orders that try a promo code. */
  promoShare: number;
  /** Share of buyers someone invited (a referral attached before paying, `ref` on their orders, or attached after they paid). */
  referredShare: number;
  /** Concurrent copies of each notification, as a provider retrying in parallel. */
  copies: Range;
  /** Share of paid orders that also get notifications whose amount was changed after signing (refused: bad signature). */
  forgedShare: number;
  /** Share of orders paid only by a correctly signed notification for a different amount (recorded as rejected, never paid). */
  wrongAmountShare: number;
  /** Share of orders expired (their promo use given back) before their payment arrives. */
  lateShare: number;
  /** Share of orders never paid. */
  unpaidShare: number;
  /** Buyers start at a random time in this many ms after the workers started (cover the chaos events). */
  spreadMs: number;
  /** How long a buyer spends on the pay page before the provider notifies, uniformly in this range. */
  payDelayMs: Range;
  /** `ttops serve --workers 0` processes taking the money traffic. */
  serves: number;
  /** How many of the chaos events SIGKILL a serve (it is started again on its port). */
  serveKills: number;
  /** REFERRAL_BONUS_CREDITS. */
  referralBonus: number;
}

/** 10 buyers, ~20 orders, 3 promo codes of 2–3 uses, 2 serves, 1 serve kill. */
export const SMALL_MONEY: MoneyOptions = {
  buyers: 10, ordersPerBuyer: [1, 3], promos: 3, promoMaxUses: [2, 3], promoShare: 0.5, referredShare: 0.6, copies: [1, 4],
  forgedShare: 0.15, wrongAmountShare: 0.08, lateShare: 0.15, unpaidShare: 0.1, spreadMs: 9000, payDelayMs: [100, 2000], serves: 2, serveKills: 1, referralBonus: 7,
};

/** How an order ends at the provider. */
export type OrderFate = 'paid' | 'unpaid' | 'wrongAmount';

/** Who invites: one of the chaos run's job users, or another buyer. */
export type InviterRef = { kind: 'jobUser'; index: number } | { kind: 'buyer'; index: number };

/**
 * How a buyer was invited: `attach` (store.attachReferral before any payment), `ref` (the code
 * on every order), `afterPay` (attached and sent as `ref` only after the first payment: never pays).
 */
export type ReferralMode = 'attach' | 'ref' | 'afterPay';

export interface PlannedOrder {
  product: 'credits' | 'license';
  /** Index into the promo codes. */
  promo?: number;
  fate: OrderFate;
  /** Expired before the payment arrives. */
  late: boolean;
  /** Forged copies (amount changed after signing) go out beside the real ones. */
  forged: boolean;
  copies: number;
  payDelayMs: number;
}

export interface PlannedBuyer {
  index: number;
  referral?: { inviter: InviterRef; mode: ReferralMode };
  orders: PlannedOrder[];
  startMs: number;
}

/** The plan: buyers and the promo codes' max uses. */
export interface MoneyPlan {
  buyers: PlannedBuyer[];
  promoMaxUses: number[];
}

/** Plans the traffic; `jobUsers` is how many job users may be inviters. */
export function planMoney(o: MoneyOptions, jobUsers: number, rand: () => number): MoneyPlan {
  const int = (r: Range) => r[0] + Math.floor(rand() * (r[1] - r[0] + 1));
  const promoMaxUses = Array.from({ length: o.promos }, () => int(o.promoMaxUses));
  const buyers: PlannedBuyer[] = [];
  for (let index = 0; index < o.buyers; index++) {
    let referral: PlannedBuyer['referral'];
    if (rand() < o.referredShare && (jobUsers > 0 || o.buyers > 1)) {
      const roll = rand();
      const mode: ReferralMode = roll < 0.4 ? 'attach' : roll < 0.8 ? 'ref' : 'afterPay';
      const other = Math.floor(rand() * Math.max(1, o.buyers - 1));
      const inviter: InviterRef = jobUsers > 0 && (o.buyers < 2 || rand() < 0.5) ? { kind: 'jobUser', index: Math.floor(rand() * jobUsers) } : { kind: 'buyer', index: other >= index ? other + 1 : other };
      referral = { inviter, mode };
    }
    const count = Math.max(int(o.ordersPerBuyer), referral?.mode === 'afterPay' ? 2 : 1);
    const orders: PlannedOrder[] = [];
    for (let i = 0; i < count; i++) {
      const roll = rand();
      let fate: OrderFate = roll < o.unpaidShare ? 'unpaid' : roll < o.unpaidShare + o.wrongAmountShare ? 'wrongAmount' : 'paid';
      // The payment the referral is attached after must be a real one.
      if (i === 0 && referral?.mode === 'afterPay') fate = 'paid';
      orders.push({
        product: rand() < 0.75 ? 'credits' : 'license',
        promo: o.promos > 0 && rand() < o.promoShare ? Math.floor(rand() * o.promos) : undefined,
        fate,
        late: fate !== 'unpaid' && !(i === 0 && referral?.mode === 'afterPay') && rand() < o.lateShare,
        forged: fate === 'paid' && rand() < o.forgedShare,
        copies: int(o.copies),
        payDelayMs: int(o.payDelayMs),
      });
    }
    buyers.push({ index, referral, orders, startMs: Math.round(rand() * o.spreadMs) });
  }
  return { buyers, promoMaxUses };
}
