/**
 * Confirmation before a destructive command, the way `backup restore` does it: `--yes`
 * goes ahead; a terminal asks (default no); without a terminal the command refuses with
 * exit 2 and says to pass `--yes`. Nothing is changed before the answer.
 */
import { FailureError, InvalidInputError } from '../errors.js';
import { promptTheme } from '../color.js';
import type { GlobalOptions, Io } from './io.js';

/** What to ask and what to say when there is nobody to ask. */
export interface ConfirmRequest {
  /** `--yes` was given. */
  yes?: boolean;
  /** The yes/no question shown on a terminal. */
  question: string;
  /** What the command would do, for the refusal: "migrate down reverts 2 migrations". */
  what: string;
  /** Stable code of the "no" answer, e.g. `migrate_down_cancelled`. */
  cancelledCode: string;
  /** Injectable answer for tests; by default a prompt on the terminal. */
  ask?: (question: string) => Promise<boolean>;
}

/** Whether this process can ask: stdout and stdin are terminals. */
export function canPrompt(io: Io): boolean {
  return io.isTty && Boolean(process.stdin.isTTY);
}

/** A yes/no prompt on the terminal, coloured only when colour is on; Ctrl-C becomes exit 130 in main. */
export async function askYesNo(question: string, globals: Pick<GlobalOptions, 'color'>): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question, default: false, theme: promptTheme(globals.color) });
}

/** Returns when the operator agreed; throws InvalidInputError (no terminal, no --yes) or FailureError (answered no). */
export async function confirmDestructive(io: Io, globals: Pick<GlobalOptions, 'color'>, request: ConfirmRequest): Promise<void> {
  if (request.yes) return;
  if (!request.ask && !canPrompt(io)) {
    throw new InvalidInputError('confirmation_required', `${request.what} and there is no terminal to confirm on — pass --yes to go ahead (or --dry-run to see what would happen)`);
  }
  const agreed = await (request.ask ?? ((q: string) => askYesNo(q, globals)))(request.question);
  if (!agreed) throw new FailureError(request.cancelledCode, 'cancelled; nothing was changed');
}
