/** `ttops credits grant|show`: the admin's hand on the ledger (every grant is audited). */
import { InvalidInputError, NotFoundError } from '../../errors.js';
import type { Store, UserRecord } from '../../store/types.js';
import { cliActor, commandConfig, withStore } from '../context.js';
import { printResult, table, type GlobalOptions, type Io } from '../io.js';

/** Finds a user by username or `tg:<telegram id>`; a grant may create the Telegram user. */
async function resolveUser(store: Store, ref: string, create: boolean): Promise<UserRecord> {
  const tg = /^tg:(-?\d{1,19})$/.exec(ref.trim());
  if (ref.trim().startsWith('tg:') && !tg) throw new InvalidInputError('invalid_user', 'a Telegram user is written tg:<numeric id>, e.g. tg:123456789');
  const user = tg ? (create ? await store.ensureTelegramUser(Number(tg[1])) : await store.findUserByTelegramId(Number(tg[1]))) : await store.findUserByUsername(ref.trim());
  if (!user) throw new NotFoundError('user_not_found', `no user ${ref} — check the username, or use tg:<telegram id>`);
  return user;
}

/** Adds credits to a user. */
export async function runCreditsGrant(io: Io, globals: GlobalOptions, ref: string, amount: number, options: { reason?: string }): Promise<void> {
  const result = await withStore(commandConfig(io, globals), async (store) => {
    const user = await resolveUser(store, ref, true);
    const credits = await store.grantCredits(user.id, amount, options.reason ?? 'manual grant', cliActor(io));
    return { user_id: user.id, granted: amount, credits };
  });
  printResult(io, globals, result, () => `granted ${amount} credit(s) to ${ref}; balance ${result.credits}`);
}

/** Shows a user's balance and recent ledger. */
export async function runCreditsShow(io: Io, globals: GlobalOptions, ref: string, options: { limit: number }): Promise<void> {
  const result = await withStore(commandConfig(io, globals), async (store) => {
    const user = await resolveUser(store, ref, false);
    const ledger = await store.ledger(user.id, options.limit);
    return { user_id: user.id, credits: user.credits, ledger: ledger.map((e) => ({ delta: e.delta, kind: e.kind, reason: e.reason, job_id: e.jobId, at: e.at })) };
  });
  printResult(io, globals, result, () => `balance ${result.credits}\n${result.ledger.length ? table(result.ledger, ['at', 'delta', 'kind', 'reason', 'job_id']) : 'no ledger entries'}`);
}
