/** `ttops payments list|show|refund`: what every provider paid (or tried to), with the audit trail, and giving it back. */
import { listPaymentViews, paymentDetail, PAYMENT_STATUSES, type PaymentDetail } from '../../billing/payment-views.js';
import { InvalidInputError } from '../../errors.js';
import type { PaymentStatus } from '../../store/types.js';
import type { RefundStarPayment } from '../../billing/refund.js';
import type { Config } from '../../config/load.js';
import { asObject, callHttp } from '../../jobs/providers/http.js';
import { refundPayment } from '../../orders/refund.js';
import { makeProviders } from '../../payments/registry.js';
import { confirmDestructive, type ConfirmRequest } from '../confirm.js';
import { cliActor, commandConfig, withStore } from '../context.js';
import { printResult, table, type GlobalOptions, type Io } from '../io.js';

/** Payments newest first. */
export async function runPaymentsList(io: Io, globals: GlobalOptions, options: { status?: string; provider?: string; limit: number }): Promise<void> {
  if (options.status !== undefined && !PAYMENT_STATUSES.includes(options.status as PaymentStatus)) {
    throw new InvalidInputError('invalid_status', `--status must be one of ${PAYMENT_STATUSES.join(', ')}`);
  }
  const filter = { status: options.status as PaymentStatus | undefined, provider: options.provider?.trim(), limit: options.limit };
  const payments = await withStore(commandConfig(io, globals), (store) => listPaymentViews(store, filter));
  printResult(io, globals, payments, () =>
    payments.length ? table(payments as unknown as Record<string, unknown>[], ['id', 'provider', 'status', 'amount', 'currency', 'credits', 'user_id', 'order_id', 'reject_reason', 'created_at']) : 'no payments',
  );
}

function lines(record: object): string[] {
  return Object.entries(record).map(([k, v]) => `  ${k.padEnd(20)} ${v ?? '-'}`);
}

function render(d: PaymentDetail): string {
  const out = [`payment ${d.payment.id}`, ...lines(d.payment)];
  out.push(d.order ? `order ${d.order.id}` : 'order: none', ...(d.order ? lines(d.order) : []));
  out.push(d.audit.length ? 'audit' : 'audit: none');
  for (const a of d.audit) out.push(`  ${a.at}  ${a.actor}  ${a.action}  ${a.subject ?? '-'}  ${a.detail ? JSON.stringify(a.detail) : ''}`.trimEnd());
  return out.join('\n');
}

/** One payment, its order and its audit rows. */
export async function runPaymentsShow(io: Io, globals: GlobalOptions, id: number): Promise<void> {
  const detail = await withStore(commandConfig(io, globals), (store) => paymentDetail(store, id));
  printResult(io, globals, detail, () => render(detail));
}

/** Telegram's refundStarPayment over the Bot API (TELEGRAM_API_ROOT, TELEGRAM_BOT_TOKEN), throwing Telegram's description on refusal. */
function botRefund(config: Config): RefundStarPayment | undefined {
  const { botToken, apiRoot } = config.telegram;
  if (!botToken) return undefined;
  return async (request) => {
    const out = await callHttp({ url: `${apiRoot}/bot${botToken}/refundStarPayment`, method: 'POST', json: request, timeoutMs: 15_000 });
    if (!out.ok) throw out.error;
    const body = asObject(out.answer.json);
    if (body?.ok !== true) throw new Error(String(body?.description ?? `Bot API answered ${out.answer.status}`));
    return body.result;
  };
}

/** Refunds a payment after a confirmation (or --yes); --dry-run only shows it. */
export async function runPaymentsRefund(io: Io, globals: GlobalOptions, id: number, options: { manual?: boolean; yes?: boolean; dryRun?: boolean; ask?: ConfirmRequest['ask'] }): Promise<void> {
  const config = commandConfig(io, globals);
  const detail = await withStore(config, (store) => paymentDetail(store, id));
  const p = detail.payment;
  const what = `payment ${p.id} (${p.provider}, ${p.amount} ${p.currency}, ${p.status}${p.credits ? `, ${p.credits} credits taken back` : ''}${p.license_id ? `, license ${p.license_id} revoked` : ''})`;
  if (options.dryRun) {
    printResult(io, globals, { would_refund: p, manual: Boolean(options.manual), dry_run: true }, () => `would refund ${what}${options.manual ? ' (recorded as refunded by hand)' : ''}\ndry run: nothing changed`);
    return;
  }
  await confirmDestructive(io, globals, {
    yes: options.yes,
    ask: options.ask,
    question: `Refund ${what}?`,
    what: `payments refund ${p.id} gives the money back and cannot be undone`,
    cancelledCode: 'refund_cancelled',
  });
  const done = await withStore(config, (store) => refundPayment({ store, providers: makeProviders(config.payments), refundStarPayment: botRefund(config) }, id, cliActor(io), { manual: options.manual }));
  printResult(io, globals, done, () =>
    done.refunded ? `refunded payment ${done.paymentId} (${done.via}); ${done.debited} credits taken back${done.revokedLicenseId ? `; license ${done.revokedLicenseId} revoked` : ''}` : `payment ${done.paymentId} was refunded before; nothing changed`,
  );
}
