import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanTtsText, escapeXml, parseBannedWords, removeBannedWords } from '../../src/tts/clean.js';

test('links of every common shape are removed, their words are not', () => {
  const cases: Array<[string, string]> = [
    ['смотри https://example.com/a?b=1 тут', 'смотри тут'],
    ['go to www.spam.ru now', 'go to now'],
    ['подпишись на t.me/channel123 срочно', 'подпишись на срочно'],
    ['сайт магазин.рф/скидки классный', 'сайт классный'],
    ['[мой канал](https://youtube.com/x) лучший', 'мой канал лучший'],
    ['пиши на spam@mail.ru', 'пиши на'],
    ['<https://a.io/x> ok', 'ok'],
    ['Hello.World is not a link, nor is 3.14', 'Hello.World is not a link, nor is 3.14'],
  ];
  for (const [input, expected] of cases) assert.equal(cleanTtsText(input), expected, input);
});

test('NUL, control and invisible characters go; whitespace collapses', () => {
  assert.equal(cleanTtsText('a\u0000b\tc\n\nd\u001be'), 'a b c d e');
  assert.equal(cleanTtsText('  при\u200bвет \u202eмир  '), 'привет мир');
  assert.equal(cleanTtsText('\u0000\u0001 \n'), '');
});

test('compatibility forms fold to plain letters and decomposed text composes', () => {
  assert.equal(cleanTtsText('𝓱𝓲 ｆｒｉｅｎｄ'), 'hi friend');
  assert.equal(cleanTtsText('e\u0301'), '\u00e9');
});

test('long runs of one character shrink to two, numbers are left alone', () => {
  assert.equal(cleanTtsText('ураааааа!!!!!!! 😂😂😂😂'), 'ураа!! 😂😂');
  assert.equal(cleanTtsText('спасибо за 1000000 монет'), 'спасибо за 1000000 монет');
});

test('banned words are removed whole-word and case-insensitively; word* matches a prefix', () => {
  const bannedWords = ['дурак', 'spam*', 'a.b'];
  assert.equal(cleanTtsText('Ты ДУРАК, дураковато', { bannedWords }), 'Ты , дураковато');
  assert.equal(cleanTtsText('spammer spam spa', { bannedWords }), 'spa');
  assert.equal(cleanTtsText('aXb a.b', { bannedWords }), 'aXb');
  assert.equal(cleanTtsText('ду\u200bрак', { bannedWords }), '', 'a zero-width split does not hide a word');
  assert.equal(cleanTtsText('ду\u200dрак', { bannedWords }), '', 'nor does a joiner between letters');
  assert.equal(removeBannedWords('bad word', ['bad'], 'beep'), 'beep word');
  assert.equal(removeBannedWords('bad', ['*', ' '], 'beep'), 'bad', 'blank and bare-star entries match nothing');
});

test('parseBannedWords splits a comma or newline list', () => {
  assert.deepEqual(parseBannedWords(' a, b ,\nc,, '), ['a', 'b', 'c']);
  assert.deepEqual(parseBannedWords(undefined), []);
});

test('the length cap counts characters as seen, cuts at a word near the end', () => {
  const words = 'слово '.repeat(100);
  const capped = cleanTtsText(words, { maxChars: 200 });
  assert.ok(capped.length <= 200);
  assert.ok(capped.endsWith('слово'), capped.slice(-10));
  assert.equal(cleanTtsText('x'.repeat(50).split('').join('y'), { maxChars: 10 }).length, 10);
  const emoji = '👍🏽'.repeat(5); // five clusters, ten code points
  assert.equal(cleanTtsText(emoji, { maxChars: 3 }), '👍🏽👍🏽', 'repeats shrink first, clusters are never split');
  assert.equal(cleanTtsText('👨‍👩‍👧 ок', { maxChars: 1 }), '👨‍👩‍👧');
});

test('escapeXml makes text and attribute values safe for SSML', () => {
  assert.equal(escapeXml(`<b>"Tom" & 'Jerry'</b>`), '&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt;');
});
