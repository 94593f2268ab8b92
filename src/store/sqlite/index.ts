/**
 * The SQLite adapter: the embedded default, one file in TTOPS_HOME. better-sqlite3 is
 * synchronous and fast; the Store interface is async so both adapters look the same.
 */
import { NotFoundError } from '../../errors.js';
import type { Actor, BotUpdateRequest, FulfilInput, JobTransition, LicenseStatus, LiveEventInput, LiveSessionTotals, NewJob, NewLicense, NewProduct, NewPromo, NewShopOrder, NewSound, OrderInput, OrderStatus, OutboxInsert, OutboxRecord, PaymentInput, PaymentStatus, ProductPatch, RedeemInput, Store, TriggerInput, UserSettingsPatch, WorkerRecord } from '../types.js';
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
import { busFileOf, SqliteBus } from './bus.js';
import { openSqlite, type SqliteDb } from './db.js';
import { sqliteMigrateDown, sqliteMigrateUp, sqliteMigrationStatus } from './migrate.js';

/** Store over one SQLite file. */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly db: SqliteDb;
  readonly bus: SqliteBus;

  constructor(readonly file: string) {
    this.db = openSqlite(file);
    this.bus = new SqliteBus(busFileOf(file));
  }

  async ping() {
    this.db.prepare('SELECT 1').get();
  }

  async close() {
    this.bus.close();
    if (this.db.open) this.db.close();
  }

  async migrationStatus() {
    return sqliteMigrationStatus(this.db);
  }

  async migrateUp() {
    return sqliteMigrateUp(this.db);
  }

  async migrateDown(count: number) {
    return sqliteMigrateDown(this.db, count);
  }

  async describeTables() {
    const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    const result: Record<string, string[]> = {};
    for (const { name } of tables) {
      result[name] = (this.db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name).sort();
    }
    return result;
  }

  async issueLicenses(licenses: NewLicense[], by: Actor) {
    return sql.issueLicenses(this.db, licenses, by);
  }

  async findLicenseByHash(keyHash: string) {
    return sql.findLicenseByHash(this.db, keyHash);
  }

  async findLicenseById(id: number) {
    return sql.findLicenseById(this.db, id);
  }

  async listLicenses(filter: { status?: LicenseStatus; limit?: number }) {
    return sql.listLicenses(this.db, filter);
  }

  async revokeLicense(id: number, now: string, by: Actor) {
    return sql.revokeLicense(this.db, id, now, by);
  }

  async extendLicense(id: number, days: number, by: Actor) {
    return sql.extendLicense(this.db, id, days, by);
  }

  async redeemLicense(input: RedeemInput) {
    return sql.redeemLicense(this.db, input);
  }

  async findUserById(id: number) {
    return sql.findUserById(this.db, id);
  }

  async findUserByUsername(username: string) {
    return sql.findUserByUsername(this.db, username);
  }

  async updateUserSettings(id: number, patch: UserSettingsPatch) {
    const user = sql.updateUserSettings(this.db, id, patch);
    if (!user) throw new NotFoundError('user_not_found', `no user with id ${id}`);
    return user;
  }

  async updatePasswordHash(id: number, passwordHash: string) {
    sql.updatePasswordHash(this.db, id, passwordHash);
  }

  async listAudit(limit: number) {
    return sql.listAudit(this.db, limit);
  }

  async listAuditFor(subjects: string[], limit: number) {
    return sql.listAuditFor(this.db, subjects, limit);
  }

  async countRows() {
    const counts: Record<string, number> = {};
    for (const table of Object.keys(await this.describeTables())) {
      counts[table] = Number((this.db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n);
    }
    return counts;
  }

  async enqueueJobs(list: NewJob[]) {
    return jobs.enqueueJobs(this.db, list);
  }

  async createOrder(order: OrderInput) {
    return jobs.createOrder(this.db, order);
  }

  async claimJobs(workerId: string, limit: number, leaseMs: number, kinds?: string[], completed?: number[]) {
    return jobs.claimJobs(this.db, workerId, limit, leaseMs, kinds, completed);
  }

  async completeJobs(workerId: string, ids: number[]) {
    return jobs.completeJobs(this.db, workerId, ids);
  }

  async transitionJob(workerId: string, id: number, transition: JobTransition) {
    return jobs.transitionJob(this.db, workerId, id, transition);
  }

  async releaseJobs(workerId: string) {
    return jobs.releaseJobs(this.db, workerId);
  }

  async heartbeat(worker: Omit<WorkerRecord, 'startedAt' | 'heartbeatAt'>, leaseMs: number, jobIds: number[]) {
    jobs.heartbeat(this.db, worker, leaseMs, jobIds);
  }

  async removeWorker(id: string) {
    this.db.prepare('DELETE FROM workers WHERE id = ?').run(id);
  }

  async listWorkers() {
    return jobs.listWorkers(this.db);
  }

  async findJob(id: number) {
    return jobs.findJob(this.db, id);
  }

  async listJobs(filter: { userId?: number; orderId?: string; limit?: number }) {
    return jobs.listJobs(this.db, filter);
  }

  async findJobByProviderTask(taskId: string) {
    return jobs.findJobByProviderTask(this.db, taskId);
  }

  async wakeJob(id: number) {
    return jobs.wakeJob(this.db, id);
  }

  async queueCounts() {
    return jobs.queueCounts(this.db);
  }

  async pruneFinishedJobs(before: string) {
    return jobs.pruneFinishedJobs(this.db, before);
  }

  async onJobsAvailable(listener: () => void) {
    const name = this.db.name;
    jobs.jobSignals.on(name, listener);
    return async () => {
      jobs.jobSignals.off(name, listener);
    };
  }

  async grantCredits(userId: number, amount: number, reason: string, by: Actor) {
    return jobs.grantCredits(this.db, userId, amount, reason, by);
  }

  async ledger(userId: number, limit: number) {
    return jobs.ledger(this.db, userId, limit);
  }

  async findUserByTelegramId(telegramId: number) {
    return jobs.findUserByTelegramId(this.db, telegramId);
  }

  async ensureTelegramUser(telegramId: number) {
    return jobs.ensureTelegramUser(this.db, telegramId);
  }

  async findOutbox(id: number) {
    return jobs.findOutbox(this.db, id);
  }

  async markOutbox(id: number, update: { status: OutboxRecord['status']; telegramMessageId?: number; lastError?: string }) {
    jobs.markOutbox(this.db, id, update);
  }

  async addSound(sound: NewSound, maxPerUser: number) {
    return streamers.addSound(this.db, sound, maxPerUser);
  }

  async listSounds(userId: number) {
    return streamers.listSounds(this.db, userId);
  }

  async findSound(userId: number, filename: string) {
    return streamers.findSound(this.db, userId, filename);
  }

  async deleteSound(userId: number, filename: string) {
    return streamers.deleteSound(this.db, userId, filename);
  }

  async addTrigger(userId: number, input: TriggerInput, maxPerUser: number) {
    return streamers.addTrigger(this.db, userId, input, maxPerUser);
  }

  async updateTrigger(userId: number, id: number, input: TriggerInput) {
    return streamers.updateTrigger(this.db, userId, id, input);
  }

  async listTriggers(userId: number) {
    return streamers.listTriggers(this.db, userId);
  }

  async deleteTrigger(userId: number, id: number) {
    return streamers.deleteTrigger(this.db, userId, id);
  }

  async startLiveSession(userId: number, uniqueId: string, source: string) {
    return live.startLiveSession(this.db, userId, uniqueId, source);
  }

  async updateLiveSession(id: number, totals: LiveSessionTotals, end: boolean) {
    return live.updateLiveSession(this.db, id, totals, end);
  }

  async addLiveEvents(sessionId: number, events: LiveEventInput[]) {
    return live.addLiveEvents(this.db, sessionId, events);
  }

  async listLiveEvents(sessionId: number, limit: number) {
    return live.listLiveEvents(this.db, sessionId, limit);
  }

  async listLiveSessions(userId: number, limit: number) {
    return live.listLiveSessions(this.db, userId, limit);
  }

  async findLiveSession(userId: number, id: number) {
    return live.findLiveSession(this.db, userId, id);
  }

  async pruneLiveEvents(before: string) {
    return live.pruneLiveEvents(this.db, before);
  }

  async findLiveLease(userId: number) {
    return live.findLiveLease(this.db, userId);
  }

  async takeLiveLease(userId: number, holder: string, ttlMs: number) {
    return live.takeLiveLease(this.db, userId, holder, ttlMs);
  }

  async releaseLiveLease(userId: number, holder: string) {
    return live.releaseLiveLease(this.db, userId, holder);
  }

  async listProducts(filter?: { enabledOnly?: boolean }) {
    return billing.listProducts(this.db, filter);
  }

  async findProduct(id: number) {
    return billing.findProduct(this.db, id);
  }

  async findProductByCode(code: string) {
    return billing.findProductByCode(this.db, code);
  }

  async addProduct(product: NewProduct, by: Actor) {
    return billing.addProduct(this.db, product, by);
  }

  async updateProduct(id: number, patch: ProductPatch, by: Actor) {
    return billing.updateProduct(this.db, id, patch, by);
  }

  async recordPayment(input: PaymentInput) {
    return billing.recordPayment(this.db, input);
  }

  async findPayment(provider: string, providerPaymentId: string) {
    return billing.findPayment(this.db, provider, providerPaymentId);
  }

  async findPaymentById(id: number) {
    return billing.findPaymentById(this.db, id);
  }

  async salesStats(since: string) {
    return billing.salesStats(this.db, since);
  }

  async enqueueOutbox(items: OutboxInsert[]) {
    return jobs.enqueueOutbox(this.db, items);
  }

  async listPayments(filter: { status?: PaymentStatus; provider?: string; limit?: number }) {
    return billing.listPayments(this.db, filter);
  }

  async markKeySent(paymentId: number) {
    billing.markKeySent(this.db, paymentId);
  }

  async requestRefund(provider: string, providerPaymentId: string, by: Actor) {
    return billing.requestRefund(this.db, provider, providerPaymentId, by);
  }

  async failRefund(provider: string, providerPaymentId: string, error: string) {
    billing.failRefund(this.db, provider, providerPaymentId, error);
  }

  async completeRefund(provider: string, providerPaymentId: string, by: Actor) {
    return billing.completeRefund(this.db, provider, providerPaymentId, by);
  }

  async readBotSession(key: string) {
    return bot.readBotSession(this.db, key);
  }

  async writeBotSession(key: string, value: string) {
    bot.writeBotSession(this.db, key, value);
  }

  async deleteBotSession(key: string) {
    bot.deleteBotSession(this.db, key);
  }

  async openBotUpdate(request: BotUpdateRequest) {
    return bot.openBotUpdate(this.db, request);
  }

  async licensesEndingBetween(from: string, until: string) {
    return reminders.licensesEndingBetween(this.db, from, until);
  }

  async lowBalanceCrossings(threshold: number, since: string) {
    return reminders.lowBalanceCrossings(this.db, threshold, since);
  }

  async overdueJobs(before: string) {
    return reminders.overdueJobs(this.db, before);
  }

  async openOrder(order: NewShopOrder) {
    return checkout.openOrder(this.db, order);
  }

  async findShopOrder(id: number) {
    return checkout.findShopOrder(this.db, id);
  }

  async findShopOrderByKey(idempotenceKey: string) {
    return checkout.findShopOrderByKey(this.db, idempotenceKey);
  }

  async listShopOrders(filter: { userId?: number; status?: OrderStatus; limit?: number }) {
    return checkout.listShopOrders(this.db, filter);
  }

  async markOrderPending(id: number, link: { payUrl: string; providerOrderId?: string; test?: boolean }) {
    return checkout.markOrderPending(this.db, id, link);
  }

  async failOrder(id: number, reason: string) {
    return checkout.failOrder(this.db, id, reason);
  }

  async expireOrders(now: string, limit: number) {
    return checkout.expireOrders(this.db, now, limit);
  }

  async listPendingOrders(before: string, limit: number) {
    return checkout.listPendingOrders(this.db, before, limit);
  }

  async fulfilOrder(input: FulfilInput) {
    return fulfil.fulfilOrder(this.db, input);
  }

  async revealOrderKey(id: number) {
    return checkout.revealOrderKey(this.db, id);
  }

  async markOrderRefunded(paymentId: number) {
    return checkout.markOrderRefunded(this.db, paymentId);
  }

  async listUserPayments(userId: number, limit: number) {
    return checkout.listUserPayments(this.db, userId, limit);
  }

  async addPromo(promo: NewPromo, by: Actor) {
    return promos.addPromo(this.db, promo, by);
  }

  async listPromos() {
    return promos.listPromos(this.db);
  }

  async findPromoByCode(code: string) {
    return promos.findPromoByCode(this.db, code);
  }

  async setPromoEnabled(code: string, enabled: boolean, by: Actor) {
    return promos.setPromoEnabled(this.db, code, enabled, by);
  }

  async referralCodeOf(userId: number) {
    return promos.referralCodeOf(this.db, userId);
  }

  async attachReferral(inviteeId: number, code: string) {
    return promos.attachReferral(this.db, inviteeId, code);
  }

  async referralStats(userId: number) {
    return promos.referralStats(this.db, userId);
  }
}
