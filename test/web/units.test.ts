/**
 * The pages' pure parts, table-driven: HTML escaping (text and attributes, nested templates),
 * safe links, the language order, Accept negotiation for the status link, cookies, forms,
 * and the text catalogue's coverage of both languages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prefersJson } from '../../src/web/accept.js';
import { parseCookies, serializeCookie } from '../../src/web/cookies.js';
import { escapeHtml, html, safeHref } from '../../src/web/html.js';
import { langFromAcceptLanguage, pickLang } from '../../src/web/lang.js';
import { withLang } from '../../src/web/layout.js';
import { parseForm } from '../../src/web/routes.js';
import { errorText, textsFor } from '../../src/web/texts.js';

test('html escapes every interpolated value, keeps nested templates, drops null/false', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  const evil = '"><script>alert(1)</script>';
  assert.equal(html`<input value="${evil}">`.text, '<input value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
  assert.equal(html`<ul>${['<1>', html`<li>${'&'}</li>`]}</ul>`.text, '<ul>&lt;1&gt;<li>&amp;</li></ul>');
  assert.equal(html`${null}${undefined}${false}${0}`.text, '0');
});

test('safeHref lets through our paths and http(s) only', () => {
  const cases: [string, string][] = [
    ['/orders/1?exp=2&sig=x', '/orders/1?exp=2&sig=x'],
    ['https://pay.example/x', 'https://pay.example/x'],
    ['javascript:alert(1)', '#'],
    ['//evil.example/x', '#'],
    ['data:text/html,x', '#'],
    ['not a url', '#'],
  ];
  for (const [input, expected] of cases) assert.equal(safeHref(input), expected, input);
});

test('language: explicit, then cookie, then Accept-Language by q, then Russian', () => {
  const cases: [unknown, string | undefined, string | undefined, string][] = [
    ['en', 'ru', 'ru', 'en'],
    [undefined, 'en', 'ru', 'en'],
    ['xx', 'xx', 'en-GB,en;q=0.9', 'en'],
    [undefined, undefined, 'de, ru;q=0.2, en;q=0.5', 'en'],
    [undefined, undefined, 'en;q=0, ru;q=0.1', 'ru'],
    [undefined, undefined, 'de, fr', 'ru'],
    [undefined, undefined, undefined, 'ru'],
    [['en'], undefined, undefined, 'ru'],
  ];
  for (const [explicit, cookie, header, expected] of cases) assert.equal(pickLang(explicit, cookie, header), expected, JSON.stringify([explicit, cookie, header]));
  assert.equal(langFromAcceptLanguage('RU-ru'), 'ru');
  assert.equal(langFromAcceptLanguage('en;q=0.0'), undefined);
});

test('Accept: JSON only when named and not outranked by HTML', () => {
  const cases: [string | undefined, boolean][] = [
    ['application/json', true],
    ['application/json, text/plain, */*', true],
    ['application/problem+json', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
    ['*/*', false],
    [undefined, false],
    ['text/html, application/json', false],
    ['application/json;q=0.5, text/html;q=0.9', false],
    ['application/json;q=0, */*', false],
    ['application/json;q=0.5, */*', false],
  ];
  for (const [header, expected] of cases) assert.equal(prefersJson(header), expected, String(header));
});

test('cookies parse leniently and serialise with the flags; values that cannot be a cookie throw', () => {
  const jar = parseCookies('a=1; lang=en; ttops_session="x.y.z"; broken; a=2');
  assert.equal(jar.get('a'), '1');
  assert.equal(jar.get('lang'), 'en');
  assert.equal(jar.get('ttops_session'), 'x.y.z');
  assert.equal(serializeCookie('s', 'x.y-z_', { maxAge: 10.7, secure: true }), 's=x.y-z_; Path=/; Max-Age=10; SameSite=Lax; HttpOnly; Secure');
  assert.equal(serializeCookie('s', '', { maxAge: -5, secure: false }), 's=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly');
  assert.throws(() => serializeCookie('s', 'a;b', { maxAge: 1, secure: false }));
});

test('forms: the first of a repeated field wins, __proto__ is just a field', () => {
  const parsed = parseForm('product_id=1&product_id=2&__proto__=x&promo_code=%D0%BF%D1%80%D0%BE%D0%BC%D0%BE&bad=%zz');
  assert.equal(parsed.product_id, '1');
  assert.equal(parsed.promo_code, 'промо');
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, 'x');
  assert.equal(parsed.bad, '%zz');
});

test('withLang keeps the path and query, sets lang, and never leaves the site', () => {
  assert.equal(withLang('/orders/3?exp=1&sig=a%2Bb&lang=ru', 'en'), '/orders/3?exp=1&sig=a%2Bb&lang=en');
  assert.equal(withLang('//evil.example/x?y=1', 'en'), '/x?y=1&lang=en');
});

test('the catalogue: every error code has both languages, unknown codes fall back to the message', () => {
  assert.deepEqual(Object.keys(textsFor('en').errors).sort(), Object.keys(textsFor('ru').errors).sort());
  assert.equal(errorText('en', 'no_such_code', 'the message'), 'the message');
  assert.equal(textsFor('en').status.pending, 'Waiting for payment');
});
