/** `ttops license issue|list|show|revoke|extend`: license administration from the shell. */
import { InvalidInputError } from '../../errors.js';
import { extendLicense, findLicense, issueLicenses, licenseView, listLicenses, revokeLicense } from '../../licenses/service.js';
import { confirmDestructive } from '../confirm.js';
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

/** Flags of `ttops license revoke`. */
export interface LicenseRevokeOptions {
  yes?: boolean;
  dryRun?: boolean;
  /** Injectable answer for tests; by default a prompt on the terminal. */
  ask?: (question: string) => Promise<boolean>;
}

/** Revokes a key by key or id, after a confirmation (or --yes); --dry-run only shows the key. */
export async function runLicenseRevoke(io: Io, globals: GlobalOptions, ref: string, options: LicenseRevokeOptions = {}): Promise<void> {
  const config = commandConfig(io, globals);
  const found = await withStore(config, async (store) => licenseView(await findLicense(store, ref)));
  const consequence = found.redeemed_by ? `user ${found.redeemed_by} loses its days and is logged out` : 'nobody can redeem it any more';
  // An already revoked key goes straight on to the store, which refuses it (exit 6): there is nothing to confirm.
  if (found.status !== 'revoked') {
    if (options.dryRun) {
      printResult(io, globals, { would_revoke: found, dry_run: true }, () => `would revoke ${found.key} (id ${found.id}, ${found.plan}, ${found.status}); ${consequence}\ndry run: nothing changed`);
      return;
    }
    await confirmDestructive(io, globals, {
      yes: options.yes,
      ask: options.ask,
      question: `Revoke ${found.key} (id ${found.id}, ${found.plan}, ${found.status})? ${consequence[0].toUpperCase()}${consequence.slice(1)}.`,
      what: `license revoke ${found.key} cannot be undone (${consequence})`,
      cancelledCode: 'revoke_cancelled',
    });
  }
  const view = await withStore(config, (store) => revokeLicense(store, String(found.id), cliActor(io)));
  printResult(io, globals, view, () => `revoked ${view.key} (id ${view.id})${view.redeemed_by ? `; user ${view.redeemed_by} loses its days and is logged out` : ''}`);
}

/** Adds days to a key (and to its user's license if redeemed). */
export async function runLicenseExtend(io: Io, globals: GlobalOptions, ref: string, options: { days: number }): Promise<void> {
  const view = await withStore(commandConfig(io, globals), (store) => extendLicense(store, ref, options.days, cliActor(io)));
  printResult(io, globals, view, () => `extended ${view.key} (id ${view.id}) by ${options.days} days; now ${view.ttl_days} days, redeem by ${view.expires_at}`);
}
