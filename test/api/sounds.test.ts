/**
 * Sounds over HTTP on both engines: real audio accepted by content, everything else refused
 * with its code and nothing left on disk; files served at the URL the API returns.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeStreamer, makeTestApp, type TestApp } from '../helpers/app.js';
import { makeAudioFixtures, multipartBody, type AudioFixtures } from '../helpers/audio.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

/** Every file under the sounds folder, relative to it. */
function filesOnDisk(mediaDir: string): string[] {
  const root = path.join(mediaDir, 'static', 'sounds');
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.relative(root, path.join(d.parentPath, d.name)))
      .sort();
  } catch {
    return [];
  }
}

let audio: AudioFixtures;
before(() => (audio = makeAudioFixtures()));
after(() => rmSync(audio.dir, { recursive: true, force: true }));

for (const { name, make } of ENGINES) {
  describe(`sounds API on ${name}`, () => {
    let engine: TestEngine;
    let t: TestApp;
    let streamer: Awaited<ReturnType<typeof makeStreamer>>;
    const upload = (filename: string, bytes: Buffer, field = 'file') => {
      const body = multipartBody(field, filename, bytes);
      return t.app.inject({ method: 'POST', url: '/v2/sounds/upload', headers: { ...streamer.auth, ...body.headers }, payload: body.payload });
    };

    before(async () => {
      engine = await make();
      t = await makeTestApp(engine, { MEDIA_BASE_URL: 'https://media.example.test' });
      streamer = await makeStreamer(t, 'soundmaker');
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('mp3, ogg and wav are accepted by their content, stored under server names and served', async () => {
      for (const [label, bytes, format] of [['rose.mp3', audio.mp3, 'mp3'], ['rose.ogg', audio.ogg, 'ogg'], ['rose.bin', audio.wav, 'wav']] as const) {
        const res = await upload(label, bytes);
        assert.equal(res.statusCode, 201, res.body);
        const sound = res.json();
        assert.equal(sound.format, format);
        assert.equal(sound.size, bytes.length);
        assert.ok(sound.duration_ms > 500 && sound.duration_ms < 2000, `duration ${sound.duration_ms}`);
        assert.match(sound.filename, new RegExp(`^[0-9a-f]{24}\\.${format}$`));
        assert.equal(sound.url, `https://media.example.test/static/sounds/${streamer.userId}/${sound.filename}`);
        const served = await t.app.inject({ method: 'GET', url: new URL(sound.url).pathname });
        assert.equal(served.statusCode, 200);
        assert.equal(served.headers['access-control-allow-origin'], '*');
        assert.deepEqual(served.rawPayload, bytes);
      }
      const list = await t.app.inject({ method: 'GET', url: '/v2/sounds/list', headers: streamer.auth });
      assert.deepEqual(list.json().sounds.map((s: { original_name: string }) => s.original_name), ['rose.mp3', 'rose.ogg', 'rose.bin']);
      assert.equal(filesOnDisk(t.config.mediaDir).length, 3);
    });

    test('a renamed text file, a 6 s sound, a 101 KB file, an empty file and a wrong field are refused; nothing stays on disk', async () => {
      const before = filesOnDisk(t.config.mediaDir);
      const cases: [string, Buffer, string, number, string?][] = [
        ['fake.mp3', audio.textAsMp3, 'not_audio', 400],
        ['long.mp3', audio.longMp3, 'audio_too_long', 400],
        ['big.wav', audio.bigWav, 'file_too_large', 413],
        ['empty.mp3', Buffer.alloc(0), 'not_audio', 400],
        ['rose.mp3', audio.mp3, 'file_missing', 400, 'sound'],
      ];
      assert.ok(audio.bigWav.length > 100 * 1024);
      for (const [label, bytes, code, status, field] of cases) {
        const res = await upload(label, bytes, field);
        assert.equal(res.statusCode, status, `${label}: ${res.body}`);
        assert.equal(res.json().error.code, code, label);
      }
      assert.deepEqual(filesOnDisk(t.config.mediaDir), before);
    });

    test('odd and traversal names never leave the user folder', async () => {
      const res = await upload('../../../etc/passwd\u0000.mp3', audio.mp3);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().original_name, 'passwd.mp3');
      assert.ok(filesOnDisk(t.config.mediaDir).every((f) => f.startsWith(`${streamer.userId}${path.sep}`)));
      for (const filename of ['../../ttops.db', `../${streamer.userId}/x.mp3`, '/etc/passwd', 'a'.repeat(200)]) {
        const del = await t.app.inject({ method: 'POST', url: '/v2/sounds/delete', headers: streamer.auth, payload: { filename } });
        assert.equal(del.statusCode, 404, filename);
        assert.equal(del.json().error.code, 'sound_not_found');
      }
      const traversal = await t.app.inject({ method: 'GET', url: '/static/sounds/../../ttops.db' });
      assert.equal(traversal.statusCode, 404);
    });

    test('delete removes the row and the file; another user cannot see or delete them', async () => {
      const mine = (await upload('mine.wav', audio.wav)).json();
      const other = await makeStreamer(t, 'someoneelse');
      const foreign = await t.app.inject({ method: 'POST', url: '/v2/sounds/delete', headers: other.auth, payload: { filename: mine.filename } });
      assert.equal(foreign.statusCode, 404);
      const theirs = await t.app.inject({ method: 'GET', url: '/v2/sounds/list', headers: other.auth });
      assert.deepEqual(theirs.json().sounds, []);
      const del = await t.app.inject({ method: 'POST', url: '/v2/sounds/delete', headers: streamer.auth, payload: { filename: mine.filename } });
      assert.equal(del.statusCode, 200, del.body);
      assert.ok(!filesOnDisk(t.config.mediaDir).some((f) => f.endsWith(mine.filename)));
      const gone = await t.app.inject({ method: 'GET', url: new URL(mine.url).pathname });
      assert.equal(gone.statusCode, 404);
    });

    test('without a token nothing is uploaded', async () => {
      const body = multipartBody('file', 'rose.mp3', audio.mp3);
      const res = await t.app.inject({ method: 'POST', url: '/v2/sounds/upload', headers: body.headers, payload: body.payload });
      assert.equal(res.statusCode, 401);
    });

    test('a 50 MB upload is cut off early, declared or streamed, and the server stays up', async () => {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as { port: number };
      for (const declared of [true, false]) {
        const result = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
          const req = httpRequest({
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v2/sounds/upload',
            headers: { ...streamer.auth, 'content-type': 'multipart/form-data; boundary=XyZ', ...(declared ? { 'content-length': String(50 * 1024 * 1024) } : {}) },
          });
          let sent = 0;
          let status = 0;
          const chunk = Buffer.alloc(64 * 1024, 0x41);
          req.on('response', (res) => {
            status = res.statusCode ?? 0;
            res.resume();
            res.on('end', () => resolve({ status, sent }));
          });
          req.on('error', (error) => (status ? resolve({ status, sent }) : reject(error)));
          const pump = () => {
            if (status || sent >= 50 * 1024 * 1024) return void req.end();
            if (sent === 0) req.write('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="huge.mp3"\r\n\r\n');
            sent += chunk.length;
            if (req.write(chunk)) setImmediate(pump);
            else req.once('drain', pump);
          };
          pump();
        });
        assert.equal(result.status, 413, `declared=${declared}`);
        assert.ok(result.sent < 8 * 1024 * 1024, `declared=${declared}: ${result.sent} bytes went out before the refusal`);
      }
      const health = await t.app.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 200);
    });
  });
}
