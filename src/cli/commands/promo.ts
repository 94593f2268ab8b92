/** `ttops promo create|list|disable|enable`: promo codes from the shell (every change is audited). */
import { addPromoCode, listPromoViews, promoBenefit, setPromoCodeEnabled, type PromoInput, type PromoView } from '../../billing/promos.js';
import { cliActor, commandConfig, withStore } from '../context.js';
import { printResult, table, type GlobalOptions, type Io } from '../io.js';

function describe(p: PromoView): string {
  const uses = p.max_uses === null ? `${p.uses} used` : `${p.uses}/${p.max_uses} used`;
  return `${p.code}: ${promoBenefit(p)}, ${uses}, ${p.expires_at ? `until ${p.expires_at}` : 'no expiry'}, ${p.enabled ? 'on' : 'off'}`;
}

/** Adds a code. */
export async function runPromoCreate(io: Io, globals: GlobalOptions, input: PromoInput): Promise<void> {
  const promo = await withStore(commandConfig(io, globals), (store) => addPromoCode(store, input, cliActor(io)));
  printResult(io, globals, promo, () => `added ${describe(promo)}`);
}

/** Lists every code, newest first. */
export async function runPromoList(io: Io, globals: GlobalOptions): Promise<void> {
  const promos = await withStore(commandConfig(io, globals), (store) => listPromoViews(store));
  const rows = promos.map((p) => ({ ...p, gives: promoBenefit(p), max_uses: p.max_uses ?? 'unlimited', on: p.enabled ? 'yes' : 'no' }));
  printResult(io, globals, promos, () => (promos.length ? table(rows, ['id', 'code', 'gives', 'uses', 'max_uses', 'expires_at', 'on']) : 'no promo codes — add one with `ttops promo create`'));
}

/** Switches a code off (orders already made with it keep it) or on again. */
export async function runPromoSetEnabled(io: Io, globals: GlobalOptions, code: string, enabled: boolean): Promise<void> {
  const promo = await withStore(commandConfig(io, globals), (store) => setPromoCodeEnabled(store, code, enabled, cliActor(io)));
  printResult(io, globals, promo, () => `${enabled ? 'enabled' : 'disabled'} ${describe(promo)}`);
}
