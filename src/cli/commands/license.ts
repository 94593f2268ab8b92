/** `ttops license issue|list|show|revoke|extend`: license administration from the shell. */
import { InvalidInputError } from '../../errors.js';
import { extendLicense, findLicense, issueLicenses, licenseView, listLicenses, revokeLicense } from '../../licenses/service.js';
import { cliActor, commandConfig, withStore } from '../context.js';
import { printResult, say, table, type GlobalOptions, type Io } from '../io.js';

const STATUSES = ['active', 'redeemed', 'revoked', 'expired'] as const;

/** Issues keys and prints them once. */
export async function runLicenseIssue(io: Io, globals: GlobalOptions, options: { plan: string; ttlDays: number; count: number; note?: string }): Promise<void> {
  const issued = await withStore(commandConfig(io, globals), (store) =>
    issueLicenses(store, { plan: options.plan, ttlDays: options.ttlDays, count: options.count, note: options.note }, cliActor(io)),
  );
  printResult(io, globals, options.count > 1 ? issued : issued[0], () => issued.map((k) => k.key).join('\n'));
  if (!globals.json) say(io, `issued ${issued.length} ${options.plan} key(s), valid for ${options.ttlDays} days (redeem by ${issued[0].expires_at}); they are not shown again`);
}

/** Lists keys, masked. */
export async function runLicenseList(io: Io, globals: GlobalOptions, options: { status?: string }): Promise<void> {
  if (options.status && !STATUSES.includes(options.status as (typeof STATUSES)[number])) {
    throw new InvalidInputError('invalid_status', `--status must be one of ${STATUSES.join(', ')}`);
  }
  const views = await withStore(commandConfig(io, globals), (store) => listLicenses(store, options.status as (typeof STATUSES)[number] | undefined));
  printResult(io, globals, views, () => (views.length ? table(views as unknown as Record<string, unknown>[], ['id', 'key', 'plan', 'status', 'ttl_days', 'expires_at', 'redeemed_by']) : 'no license keys'));
}

/** Shows one key by key or id. */
export async function runLicenseShow(io: Io, globals: GlobalOptions, ref: string): Promise<void> {
  const view = await withStore(commandConfig(io, globals), async (store) => licenseView(await findLicense(store, ref)));
  printResult(io, globals, view, () => Object.entries(view).map(([k, v]) => `${k.padEnd(12)} ${v ?? '-'}`).join('\n'));
}

/** Revokes a key by key or id. */
export async function runLicenseRevoke(io: Io, globals: GlobalOptions, ref: string): Promise<void> {
  const view = await withStore(commandConfig(io, globals), (store) => revokeLicense(store, ref, cliActor(io)));
  printResult(io, globals, view, () => `revoked ${view.key} (id ${view.id})${view.redeemed_by ? `; user ${view.redeemed_by} loses its days and is logged out` : ''}`);
}

/** Adds days to a key (and to its user's license if redeemed). */
export async function runLicenseExtend(io: Io, globals: GlobalOptions, ref: string, options: { days: number }): Promise<void> {
  const view = await withStore(commandConfig(io, globals), (store) => extendLicense(store, ref, options.days, cliActor(io)));
  printResult(io, globals, view, () => `extended ${view.key} (id ${view.id}) by ${options.days} days; now ${view.ttl_days} days, redeem by ${view.expires_at}`);
}
