/**
 * makeProviders: a provider is enabled exactly when its credentials are set, in the order
 * robokassa, yookassa, wata; Robokassa in test mode needs only the set it will use.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeProviders } from '../../src/payments/registry.js';
import { testConfig } from '../helpers/config.js';

const names = (env: Record<string, string>) => [...makeProviders(testConfig(env).payments).keys()];

test('only providers with credentials, in a fixed order', () => {
  assert.deepEqual(names({}), []);
  const all = { WATA_TOKEN: 't', YOOKASSA_SHOP_ID: '1', YOOKASSA_SECRET_KEY: 'test_k', ROBOKASSA_MERCHANT_LOGIN: 'shop', ROBOKASSA_PASSWORD_1: 'a', ROBOKASSA_PASSWORD_2: 'b' };
  assert.deepEqual(names(all), ['robokassa', 'yookassa', 'wata']);
  assert.deepEqual(names({ ...all, ROBOKASSA_PASSWORD_2: '' }).filter((n) => n === 'robokassa'), [], 'half a password set is off');
  assert.deepEqual(names({ YOOKASSA_SHOP_ID: '1' }), [], 'a shop id without its key is off');
  assert.deepEqual(names({ ROBOKASSA_MERCHANT_LOGIN: 'shop', ROBOKASSA_PASSWORD_1: 'a' }), []);
  assert.deepEqual(names({ ROBOKASSA_MERCHANT_LOGIN: 'shop', ROBOKASSA_TEST_PASSWORD_1: 'a', ROBOKASSA_TEST_PASSWORD_2: 'b', ROBOKASSA_IS_TEST: 'true' }), ['robokassa'], 'a shop still in test needs only its test set');
  assert.deepEqual(names({ ROBOKASSA_MERCHANT_LOGIN: 'shop', ROBOKASSA_TEST_PASSWORD_1: 'a', ROBOKASSA_TEST_PASSWORD_2: 'b' }), [], 'live mode without live passwords is off');
  const made = makeProviders(testConfig(all).payments);
  assert.deepEqual([...made.values()].map((p) => [p.name, p.test]), [['robokassa', false], ['yookassa', true], ['wata', false]]);
});
