/**
 * The store contract: one suite, run unchanged against SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKey, hashKey, keySuffix } from '../../src/licenses/key.js';
import { openStore } from '../../src/store/open.js';
import type { NewLicense, Store } from '../../src/store/types.js';
import { addDays } from '../../src/time.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const by = { actor: 'test' };
const DAY = 86_400_000;

function newLicense(overrides: Partial<NewLicense> = {}): NewLicense & { key: string } {
  const key = generateKey();
  return { key, keyHash: hashKey(key), keySuffix: keySuffix(key), plan: 'pro', ttlDays: 30, expiresAt: addDays(new Date().toISOString(), 30), ...overrides };
}

for (const { name, make } of ENGINES) {
  describe(`store contract on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;

    before(async () => {
      engine = await make();
      store = await openStore(engine.settings);
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('migrations go up, report status, go down and up again', async () => {
      assert.deepEqual((await store.migrationStatus()).map((m) => m.applied), [false, false, false, false, false, false, false, false]);
      assert.deepEqual(await store.migrateUp(), ['0001_foundation', '0002_jobs', '0003_lean_claims', '0004_claim_plan', '0005_streamers', '0006_bot', '0007_billing', '0008_checkout']);
      assert.deepEqual(await store.migrateUp(), []);
      assert.ok((await store.migrationStatus()).every((m) => m.applied));
      assert.deepEqual(await store.migrateDown(6), ['0008_checkout', '0007_billing', '0006_bot', '0005_streamers', '0004_claim_plan', '0003_lean_claims']);
      // Back on 0002's indexes, the dedupe key still deduplicates.
      const [first] = await store.enqueueJobs([{ kind: 'noop', dedupeKey: 'once' }]);
      const again = await store.enqueueJobs([{ kind: 'noop', dedupeKey: 'once' }, { kind: 'noop' }]);
      assert.deepEqual(again.map((j) => j.id === first!.id).sort(), [false, true]);
      assert.deepEqual(await store.migrateDown(1), ['0002_jobs']);
      assert.deepEqual(Object.keys(await store.describeTables()).sort(), ['audit_log', 'credit_ledger', 'license_keys', 'users']);
      assert.deepEqual(await store.migrateDown(1), ['0001_foundation']);
      assert.deepEqual(Object.keys(await store.describeTables()), []);
      await store.migrateUp();
      assert.deepEqual(Object.keys(await store.describeTables()).sort(), ['audit_log', 'bot_sessions', 'bot_updates', 'bus_messages', 'credit_ledger', 'jobs', 'license_keys', 'live_events', 'live_leases', 'live_sessions', 'orders', 'outbox', 'payments', 'products', 'promo_codes', 'promo_redemptions', 'referrals', 'sounds', 'triggers', 'users', 'workers']);
    });

    test('issued licenses are found by hash and id, listed newest first, audited', async () => {
      const a = newLicense();
      const b = newLicense({ plan: 'basic', note: 'batch 7' });
      const [ra, rb] = await store.issueLicenses([a, b], by);
      assert.equal((await store.findLicenseByHash(a.keyHash))?.id, ra.id);
      assert.equal((await store.findLicenseById(rb.id))?.note, 'batch 7');
      assert.equal(ra.status, 'active');
      assert.equal(ra.expiresAt, a.expiresAt);
      const listed = await store.listLicenses({ status: 'active' });
      assert.deepEqual(listed.slice(0, 2).map((l) => l.id), [rb.id, ra.id]);
      const audit = await store.listAudit(10);
      assert.ok(audit.filter((e) => e.action === 'license.issue').length >= 2);
      assert.equal(audit[0].detail?.suffix, b.keySuffix);
    });

    test('a redeem creates the account with the key days; a second redeem is refused', async () => {
      const l = newLicense({ ttlDays: 10 });
      await store.issueLicenses([l], by);
      const now = new Date().toISOString();
      const { user, license } = await store.redeemLicense({ keyHash: l.keyHash, now, actor: 'test', account: { kind: 'new', username: 'Alice', passwordHash: 'h' } });
      assert.equal(user.username, 'Alice');
      assert.equal(user.plan, 'pro');
      assert.equal(user.licenseExpiresAt, addDays(now, 10));
      assert.equal(user.voiceId, 'ru-RU-SvetlanaNeural');
      assert.equal(user.ttsEnabled, true);
      assert.equal(user.credits, 0);
      assert.equal(license.status, 'redeemed');
      assert.equal(license.redeemedBy, user.id);
      await assert.rejects(store.redeemLicense({ keyHash: l.keyHash, now, actor: 'test', account: { kind: 'existing', userId: user.id } }), { code: 'license_already_redeemed', status: 409 });
      assert.equal((await store.findUserByUsername('alice'))?.id, user.id, 'usernames match case-insensitively');
    });

    test('redeeming onto an existing account stacks days after the current expiry', async () => {
      const user = (await store.findUserByUsername('alice'))!;
      const l = newLicense({ ttlDays: 5, plan: 'max' });
      await store.issueLicenses([l], by);
      const { user: extended } = await store.redeemLicense({ keyHash: l.keyHash, now: new Date().toISOString(), actor: 'test', account: { kind: 'existing', userId: user.id } });
      assert.equal(extended.licenseExpiresAt, addDays(user.licenseExpiresAt!, 5));
      assert.equal(extended.plan, 'max');
    });

    test('refusals are precise: unknown, expired, revoked, username taken (key left unredeemed)', async () => {
      const now = new Date().toISOString();
      const account = { kind: 'new' as const, username: 'bob', passwordHash: 'h' };
      await assert.rejects(store.redeemLicense({ keyHash: hashKey('TTB-0000-0000-0000'), now, actor: 't', account }), { code: 'license_not_found', status: 404 });
      const expired = newLicense({ expiresAt: new Date(Date.now() - DAY).toISOString() });
      const revoked = newLicense();
      const taken = newLicense();
      const [, rr] = await store.issueLicenses([expired, revoked, taken], by);
      await assert.rejects(store.redeemLicense({ keyHash: expired.keyHash, now, actor: 't', account }), { code: 'license_expired', status: 410 });
      await store.revokeLicense(rr.id, now, by);
      await assert.rejects(store.redeemLicense({ keyHash: revoked.keyHash, now, actor: 't', account }), { code: 'license_revoked' });
      await assert.rejects(store.redeemLicense({ keyHash: taken.keyHash, now, actor: 't', account: { ...account, username: 'ALICE' } }), { code: 'username_taken' });
      assert.equal((await store.findLicenseByHash(taken.keyHash))?.status, 'active', 'the failed redeem rolled back');
    });

    test('100 concurrent redeems of one key: exactly one wins', async () => {
      const l = newLicense();
      await store.issueLicenses([l], by);
      const now = new Date().toISOString();
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) => store.redeemLicense({ keyHash: l.keyHash, now, actor: 't', account: { kind: 'new', username: `racer${i}`, passwordHash: 'h' } })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.ok(lost.every((r) => r.reason.code === 'license_already_redeemed'), JSON.stringify(lost.map((r) => r.reason.code)));
      assert.equal((await store.listAudit(500)).filter((e) => e.action === 'license.redeem' && e.subject === `license:${(won[0] as PromiseFulfilledResult<{ license: { id: number } }>).value.license.id}`).length, 1);
    });

    test('revoking a redeemed key takes its days back (not below now) and bumps the token version', async () => {
      const l = newLicense({ ttlDays: 20 });
      const [issued] = await store.issueLicenses([l], by);
      const now = new Date().toISOString();
      const { user } = await store.redeemLicense({ keyHash: l.keyHash, now, actor: 't', account: { kind: 'new', username: 'carol', passwordHash: 'h' } });
      const revoked = await store.revokeLicense(issued.id, now, by);
      assert.equal(revoked.status, 'revoked');
      const after = (await store.findUserById(user.id))!;
      assert.equal(after.licenseExpiresAt, now);
      assert.equal(after.tokenVersion, user.tokenVersion + 1);
      await assert.rejects(store.revokeLicense(issued.id, now, by), { code: 'license_revoked' });
      await assert.rejects(store.revokeLicense(999999, now, by), { code: 'license_not_found' });
    });

    test('extending adds days to the key and to its redeemed user', async () => {
      const l = newLicense({ ttlDays: 3 });
      const [issued] = await store.issueLicenses([l], by);
      const extended = await store.extendLicense(issued.id, 7, by);
      assert.equal(extended.ttlDays, 10);
      assert.equal(extended.expiresAt, addDays(issued.expiresAt, 7));
      const { user } = await store.redeemLicense({ keyHash: l.keyHash, now: new Date().toISOString(), actor: 't', account: { kind: 'new', username: 'dave', passwordHash: 'h' } });
      await store.extendLicense(issued.id, 2, by);
      const after = (await store.findUserById(user.id))!;
      assert.equal(after.licenseExpiresAt, addDays(user.licenseExpiresAt!, 2));
    });

    test('settings patches change only what is given', async () => {
      const user = (await store.findUserByUsername('alice'))!;
      const changed = await store.updateUserSettings(user.id, { ttsVolume: 40, giftSoundsEnabled: false, tiktokUsername: 'alice_live' });
      assert.equal(changed.ttsVolume, 40);
      assert.equal(changed.giftSoundsEnabled, false);
      assert.equal(changed.ttsEnabled, true);
      assert.equal(changed.tiktokUsername, 'alice_live');
      assert.equal((await store.updateUserSettings(user.id, { tiktokUsername: null })).tiktokUsername, null);
      await assert.rejects(store.updateUserSettings(987654, { ttsVolume: 1 }), { code: 'user_not_found' });
    });
  });
}

test('both engines expose the same tables and columns', async () => {
  const described: Record<string, Record<string, string[]>> = {};
  for (const { name, make } of ENGINES) {
    const engine = await make();
    const store = await openStore(engine.settings);
    try {
      await store.migrateUp();
      described[name] = await store.describeTables();
    } finally {
      await store.close();
      await engine.cleanup();
    }
  }
  assert.ok(Object.keys(described.sqlite).length >= 4);
  assert.deepEqual(described.sqlite, described.postgres);
});
