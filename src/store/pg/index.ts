/**
 * The PostgreSQL adapter: production, and the way several hosts share one database.
 * Only this folder imports `pg`.
 */
import DataLoader from 'dataloader';
import type pg from 'pg';
import { NotFoundError } from '../../errors.js';
import type { Actor, BotUpdateRequest, FulfilInput, JobTransition, LicenseStatus, LiveEventInput, LiveSessionTotals, NewJob, NewLicense, NewProduct, NewPromo, NewShopOrder, NewSound, OrderInput, OrderStatus, OutboxInsert, OutboxRecord, PaymentInput, PaymentStatus, ProductPatch, RedeemInput, Store, TriggerInput, UserRecord, UserSettingsPatch, WorkerRecord } from '../types.js';
import * as sql from './accounts.js';
import * as jobs from './jobs.js';
import * as streamers from './streamers.js';
import * as live from './live.js';
import * as billing from './billing.js';
import * as bot from './bot.js';
import * as reminders from './reminders.js';
import * as checkout from './checkout.js';
import * as fulfil from './fulfil.js';
import * as promos from './promos.js';
import { PgBus } from './bus.js';
import { listenForJobs } from './listen.js';
import { makePool, rethrow } from './db.js';
import { pgMigrate, pgMigrationStatus } from './migrate.js';

/** Most user lookups batched into one statement. */
const USER_BATCH_MAX = 256;

/** Store over a PostgreSQL pool. */
export class PgStore implements Store {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly bus: PgBus;
  /**
   * Every authenticated request and live event looks its user up. Lookups asked for while the
   * event loop handles one round of I/O go to PostgreSQL as one statement when that round
   * ends: under load that is one round trip (and one write of each side) for many requests
   * instead of one each. Nothing is cached: each lookup reads rows after it was asked for.
   */
  private readonly usersById: DataLoader<number, UserRecord | undefined>;

  constructor(readonly databaseUrl: string, poolSize = 10) {
    this.pool = makePool(databaseUrl, poolSize);
    this.bus = new PgBus(this.pool, databaseUrl);
    this.usersById = new DataLoader((ids) => sql.findUsersByIds(this.pool, ids), {
      cache: false,
      batchScheduleFn: (run) => setImmediate(run),
      maxBatchSize: USER_BATCH_MAX,
    });
  }

  async ping() {
    try {
      await this.pool.query('SELECT 1');
    } catch (error) {
      rethrow(error);
    }
  }

  async close() {
    await this.bus.close();
    await this.pool.end();
    await this.claimsPool?.end();
  }

  /**
   * Connections whose commits do not wait for the WAL flush, for the statement that claims each bot update.
   * A claim lost in a PostgreSQL crash is harmless: WAL is flushed in order, so any later
   * synchronous commit — including whatever a handler of that update wrote — makes the claim
   * durable first; if nothing lasting followed, a redelivered update is simply handled. It
   * saves the one WAL flush most updates (a /start, a balance) would otherwise cost.
   */
  private claimsPool?: pg.Pool;

  async migrationStatus() {
    return pgMigrationStatus(this.pool);
  }

  async migrateUp() {
    return pgMigrate(this.pool, 'up');
  }

  async migrateDown(count: number) {
    return pgMigrate(this.pool, 'down', count);
  }

  async describeTables() {
    const { rows } = await this.pool.query(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name <> 'pgmigrations' ORDER BY table_name, column_name`,
    );
    const result: Record<string, string[]> = {};
    for (const r of rows) (result[r.table_name] ??= []).push(r.column_name);
    return result;
  }

  async issueLicenses(licenses: NewLicense[], by: Actor) {
    return sql.issueLicenses(this.pool, licenses, by);
  }

  async findLicenseByHash(keyHash: string) {
    return sql.findLicenseByHash(this.pool, keyHash);
  }

  async findLicenseById(id: number) {
    return sql.findLicenseById(this.pool, id);
  }

  async listLicenses(filter: { status?: LicenseStatus; limit?: number }) {
    return sql.listLicenses(this.pool, filter);
  }

  async revokeLicense(id: number, now: string, by: Actor) {
    return sql.revokeLicense(this.pool, id, now, by);
  }

  async extendLicense(id: number, days: number, by: Actor) {
    return sql.extendLicense(this.pool, id, days, by);
  }

  async redeemLicense(input: RedeemInput) {
    return sql.redeemLicense(this.pool, input);
  }

  async findUserById(id: number) {
    // No row has an id JavaScript cannot hold exactly, and one PostgreSQL would refuse must not fail its batch.
    return Number.isSafeInteger(id) ? this.usersById.load(id) : undefined;
  }

  async findUserByUsername(username: string) {
    return sql.findUserByUsername(this.pool, username);
  }

  async updateUserSettings(id: number, patch: UserSettingsPatch) {
    const user = await sql.updateUserSettings(this.pool, id, patch);
    if (!user) throw new NotFoundError('user_not_found', `no user with id ${id}`);
    return user;
  }

  async updatePasswordHash(id: number, passwordHash: string) {
    await sql.updatePasswordHash(this.pool, id, passwordHash);
  }

  async listAudit(limit: number) {
    return sql.listAudit(this.pool, limit);
  }

  async listAuditFor(subjects: string[], limit: number) {
    return sql.listAuditFor(this.pool, subjects, limit);
  }

  async countRows() {
    const counts: Record<string, number> = {};
    for (const table of Object.keys(await this.describeTables())) {
      counts[table] = Number((await this.pool.query(`SELECT count(*) AS n FROM "${table}"`)).rows[0].n);
    }
    return counts;
  }

  async enqueueJobs(list: NewJob[]) {
    return jobs.enqueueJobs(this.pool, list);
  }

  async createOrder(order: OrderInput) {
    return jobs.createOrder(this.pool, order);
  }

  async claimJobs(workerId: string, limit: number, leaseMs: number, kinds?: string[], completed?: number[]) {
    return jobs.claimJobs(this.pool, workerId, limit, leaseMs, kinds, completed);
  }

  async completeJobs(workerId: string, ids: number[]) {
    return jobs.completeJobs(this.pool, workerId, ids);
  }

  async transitionJob(workerId: string, id: number, transition: JobTransition) {
    return jobs.transitionJob(this.pool, workerId, id, transition);
  }

  async releaseJobs(workerId: string) {
    return jobs.releaseJobs(this.pool, workerId);
  }

  async heartbeat(worker: Omit<WorkerRecord, 'startedAt' | 'heartbeatAt'>, leaseMs: number, jobIds: number[]) {
    await jobs.heartbeat(this.pool, worker, leaseMs, jobIds);
  }

  async removeWorker(id: string) {
    await this.pool.query('DELETE FROM workers WHERE id = $1', [id]).catch(rethrow);
  }

  async listWorkers() {
    return jobs.listWorkers(this.pool);
  }

  async findJob(id: number) {
    return jobs.findJob(this.pool, id);
  }

  async listJobs(filter: { userId?: number; orderId?: string; limit?: number }) {
    return jobs.listJobs(this.pool, filter);
  }

  async findJobByProviderTask(taskId: string) {
    return jobs.findJobByProviderTask(this.pool, taskId);
  }

  async wakeJob(id: number) {
    return jobs.wakeJob(this.pool, id);
  }

  async queueCounts() {
    return jobs.queueCounts(this.pool);
  }

  async pruneFinishedJobs(before: string) {
    return jobs.pruneFinishedJobs(this.pool, before);
  }

  async onJobsAvailable(listener: () => void) {
    return listenForJobs(this.databaseUrl, listener);
  }

  async grantCredits(userId: number, amount: number, reason: string, by: Actor) {
    return jobs.grantCredits(this.pool, userId, amount, reason, by);
  }

  async ledger(userId: number, limit: number) {
    return jobs.ledger(this.pool, userId, limit);
  }

  async findUserByTelegramId(telegramId: number) {
    return jobs.findUserByTelegramId(this.pool, telegramId);
  }

  async ensureTelegramUser(telegramId: number) {
    return jobs.ensureTelegramUser(this.pool, telegramId);
  }

  async findOutbox(id: number) {
    return jobs.findOutbox(this.pool, id);
  }

  async markOutbox(id: number, update: { status: OutboxRecord['status']; telegramMessageId?: number; lastError?: string }) {
    await jobs.markOutbox(this.pool, id, update);
  }

  async addSound(sound: NewSound, maxPerUser: number) {
    return streamers.addSound(this.pool, sound, maxPerUser);
  }

  async listSounds(userId: number) {
    return streamers.listSounds(this.pool, userId);
  }

  async findSound(userId: number, filename: string) {
    return streamers.findSound(this.pool, userId, filename);
  }

  async deleteSound(userId: number, filename: string) {
    return streamers.deleteSound(this.pool, userId, filename);
  }

  async addTrigger(userId: number, input: TriggerInput, maxPerUser: number) {
    return streamers.addTrigger(this.pool, userId, input, maxPerUser);
  }

  async updateTrigger(userId: number, id: number, input: TriggerInput) {
    return streamers.updateTrigger(this.pool, userId, id, input);
  }

  async listTriggers(userId: number) {
    return streamers.listTriggers(this.pool, userId);
  }

  async deleteTrigger(userId: number, id: number) {
    return streamers.deleteTrigger(this.pool, userId, id);
  }

  async startLiveSession(userId: number, uniqueId: string, source: string) {
    return live.startLiveSession(this.pool, userId, uniqueId, source);
  }

  async updateLiveSession(id: number, totals: LiveSessionTotals, end: boolean) {
    return live.updateLiveSession(this.pool, id, totals, end);
  }

  async addLiveEvents(sessionId: number, events: LiveEventInput[]) {
    return live.addLiveEvents(this.pool, sessionId, events);
  }

  async listLiveEvents(sessionId: number, limit: number) {
    return live.listLiveEvents(this.pool, sessionId, limit);
  }

  async listLiveSessions(userId: number, limit: number) {
    return live.listLiveSessions(this.pool, userId, limit);
  }

  async findLiveSession(userId: number, id: number) {
    return live.findLiveSession(this.pool, userId, id);
  }

  async pruneLiveEvents(before: string) {
    return live.pruneLiveEvents(this.pool, before);
  }

  async findLiveLease(userId: number) {
    return live.findLiveLease(this.pool, userId);
  }

  async takeLiveLease(userId: number, holder: string, ttlMs: number) {
    return live.takeLiveLease(this.pool, userId, holder, ttlMs);
  }

  async releaseLiveLease(userId: number, holder: string) {
    return live.releaseLiveLease(this.pool, userId, holder);
  }

  async listProducts(filter?: { enabledOnly?: boolean }) {
    return billing.listProducts(this.pool, filter);
  }

  async findProduct(id: number) {
    return billing.findProduct(this.pool, id);
  }

  async findProductByCode(code: string) {
    return billing.findProductByCode(this.pool, code);
  }

  async addProduct(product: NewProduct, by: Actor) {
    return billing.addProduct(this.pool, product, by);
  }

  async updateProduct(id: number, patch: ProductPatch, by: Actor) {
    return billing.updateProduct(this.pool, id, patch, by);
  }

  async recordPayment(input: PaymentInput) {
    return billing.recordPayment(this.pool, input);
  }

  async findPayment(provider: string, providerPaymentId: string) {
    return billing.findPayment(this.pool, provider, providerPaymentId);
  }

  async findPaymentById(id: number) {
    return billing.findPaymentById(this.pool, id);
  }

  async salesStats(since: string) {
    return billing.salesStats(this.pool, since);
  }

  async enqueueOutbox(items: OutboxInsert[]) {
    return jobs.enqueueOutbox(this.pool, items);
  }

  async listPayments(filter: { status?: PaymentStatus; provider?: string; limit?: number }) {
    return billing.listPayments(this.pool, filter);
  }

  async markKeySent(paymentId: number) {
    await billing.markKeySent(this.pool, paymentId);
  }

  async requestRefund(provider: string, providerPaymentId: string, by: Actor) {
    return billing.requestRefund(this.pool, provider, providerPaymentId, by);
  }

  async failRefund(provider: string, providerPaymentId: string, error: string) {
    await billing.failRefund(this.pool, provider, providerPaymentId, error);
  }

  async completeRefund(provider: string, providerPaymentId: string, by: Actor) {
    return billing.completeRefund(this.pool, provider, providerPaymentId, by);
  }

  async readBotSession(key: string) {
    return bot.readBotSession(this.pool, key);
  }

  async writeBotSession(key: string, value: string) {
    await bot.writeBotSession(this.pool, key, value);
  }

  async deleteBotSession(key: string) {
    await bot.deleteBotSession(this.pool, key);
  }

  async openBotUpdate(request: BotUpdateRequest) {
    this.claimsPool ??= makePool(this.databaseUrl, 4, { asyncCommit: true });
    return bot.openBotUpdate(this.claimsPool, request);
  }

  async licensesEndingBetween(from: string, until: string) {
    return reminders.licensesEndingBetween(this.pool, from, until);
  }

  async lowBalanceCrossings(threshold: number, since: string) {
    return reminders.lowBalanceCrossings(this.pool, threshold, since);
  }

  async overdueJobs(before: string) {
    return reminders.overdueJobs(this.pool, before);
  }

  async openOrder(order: NewShopOrder) {
    return checkout.openOrder(this.pool, order);
  }

  async findShopOrder(id: number) {
    return checkout.findShopOrder(this.pool, id);
  }

  async findShopOrderByKey(idempotenceKey: string) {
    return checkout.findShopOrderByKey(this.pool, idempotenceKey);
  }

  async listShopOrders(filter: { userId?: number; status?: OrderStatus; limit?: number }) {
    return checkout.listShopOrders(this.pool, filter);
  }

  async markOrderPending(id: number, link: { payUrl: string; providerOrderId?: string; test?: boolean }) {
    return checkout.markOrderPending(this.pool, id, link);
  }

  async failOrder(id: number, reason: string) {
    return checkout.failOrder(this.pool, id, reason);
  }

  async expireOrders(now: string, limit: number) {
    return checkout.expireOrders(this.pool, now, limit);
  }

  async listPendingOrders(before: string, limit: number) {
    return checkout.listPendingOrders(this.pool, before, limit);
  }

  async fulfilOrder(input: FulfilInput) {
    return fulfil.fulfilOrder(this.pool, input);
  }

  async revealOrderKey(id: number) {
    return checkout.revealOrderKey(this.pool, id);
  }

  async markOrderRefunded(paymentId: number) {
    return checkout.markOrderRefunded(this.pool, paymentId);
  }

  async listUserPayments(userId: number, limit: number) {
    return checkout.listUserPayments(this.pool, userId, limit);
  }

  async addPromo(promo: NewPromo, by: Actor) {
    return promos.addPromo(this.pool, promo, by);
  }

  async listPromos() {
    return promos.listPromos(this.pool);
  }

  async findPromoByCode(code: string) {
    return promos.findPromoByCode(this.pool, code);
  }

  async setPromoEnabled(code: string, enabled: boolean, by: Actor) {
    return promos.setPromoEnabled(this.pool, code, enabled, by);
  }

  async referralCodeOf(userId: number) {
    return promos.referralCodeOf(this.pool, userId);
  }

  async attachReferral(inviteeId: number, code: string) {
    return promos.attachReferral(this.pool, inviteeId, code);
  }

  async referralStats(userId: number) {
    return promos.referralStats(this.pool, userId);
  }
}
