/** `ttops payments list|show`: what every provider paid (or tried to), with the audit trail. Read-only. */
import { listPaymentViews, paymentDetail, PAYMENT_STATUSES, type PaymentDetail } from '../../billing/payment-views.js';
import { InvalidInputError } from '../../errors.js';
import type { PaymentStatus } from '../../store/types.js';
import { commandConfig, withStore } from '../context.js';
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
