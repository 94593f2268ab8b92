/**
 * docs/websocket.md is the protocol's contract for client authors: its JSON schemas must
 * accept what the server really sends, and its close-code table must match the server's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WS_CLOSE } from '../../src/live/protocol.js';
import { protocolDoc as doc, protocolValidators } from '../helpers/protocol.js';

test('the document defines a schema for every message type the server sends', () => {
  assert.deepEqual([...protocolValidators().keys()].sort(), ['action', 'event', 'status', 'tts']);
});

test('the close-code table lists exactly the server close codes', () => {
  const documented = [...doc.matchAll(/^\| (\d{4}) \|/gm)].map((m) => Number(m[1])).sort();
  assert.deepEqual(documented, Object.values(WS_CLOSE).sort());
});

test('the schemas refuse what a client must not expect', () => {
  const v = protocolValidators();
  assert.equal(v.get('action')!({ type: 'action', action: 'play_sound', trigger_id: 1, url: 'http://x/a.mp3', volume: 80 }), undefined);
  assert.notEqual(v.get('action')!({ type: 'action', action: 'play_sound', trigger_id: 1, url: '/relative.mp3', volume: 80 }), undefined);
  assert.notEqual(v.get('status')!({ type: 'status', status: 'sleeping' }), undefined);
});
