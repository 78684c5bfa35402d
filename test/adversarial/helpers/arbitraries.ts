/**
 * fast-check arbitraries for hostile input, shared by the HTTP and CLI fuzzers. JSON is generated as text rather than
 * as values, so bodies can carry what a JavaScript object cannot: duplicate keys, `__proto__` as a plain key, numbers
 * that overflow to Infinity, and exact byte layouts.
 */
import fc from 'fast-check';

import { demoCatalog } from '../../../server/db/demo-catalog.js';

/** Strings that mean something to SQL, LIKE, shells, paths, templates or JavaScript. */
export const HOSTILE_STRINGS: readonly string[] = [
  "'",
  '"',
  '`',
  ';',
  '--',
  '/*',
  '*/',
  '%',
  '_',
  '\\',
  '\\\\',
  "' OR '1'='1",
  "' OR 1=1 --",
  '" OR ""="',
  "'; DROP TABLE users; --",
  "MUG-BLUE'; DELETE FROM cart_lines; --",
  "1; UPDATE users SET token_version = 0",
  "' UNION SELECT password_hash FROM users --",
  '%%',
  '%_%',
  '[a-z]',
  '$1',
  '${process.exit()}',
  '{{7*7}}',
  '$(reboot)',
  '`reboot`',
  '| cat /etc/passwd',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '/dev/zero',
  'C:\\Windows\\win.ini',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '\u0000',
  'MUG-BLUE\u0000',
  'MUG-BLUE ',
  ' MUG-BLUE',
  'mug-blue',
  'MUG-BLUE\n',
  '\r\n\r\nHTTP/1.1 200 OK',
  '\u202eEULB-GUM',
  '\ufeffMUG-BLUE',
  '\u200b',
  '\ud800',
  '\udfff',
  '😀',
  'Ω≈ç√∫',
  '٣',
  '１',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '-0',
  '1e999',
  '0x10',
  '',
  ' ',
];

/** Every SKU the demo catalog knows, active or not: valid-looking values reach deeper into the code. */
export const KNOWN_SKUS: readonly string[] = demoCatalog.map((product) => product.sku);

const internals = {
  controlCharacters: fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 1, maxLength: 8 }).map((codes) => String.fromCharCode(...codes)),
  long: fc.integer({ min: 200, max: 20_000 }).chain((length) => fc.constantFrom('A', 'é', '😀', "'", '%').map((unit) => unit.repeat(length))),
};

/** Any string an attacker might send: short random text in every encoding fast-check knows, plus the hostile list. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...KNOWN_SKUS), fc.constantFrom(...HOSTILE_STRINGS)).map(([sku, suffix]) => `${sku}${suffix}`) },
  { weight: 1, arbitrary: internals.controlCharacters },
  { weight: 1, arbitrary: internals.long },
);

/** Numbers as JSON text, including the ones JSON.parse turns into Infinity, -0 or a rounded value. */
export const hostileNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -5, max: 105 }).map(String),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '0',
    '-0',
    '-1',
    '0.5',
    '1.0',
    '1.5',
    '99',
    '99.0000000000000001',
    '100',
    '1e2',
    '1e-7',
    '1e308',
    '1e999',
    '-1e999',
    '9007199254740993',
    '2147483648',
    '18446744073709551616',
    '123456789012345678901234567890',
    '5e-324',
  ),
);

/** Object keys: field names the routes know, hostile strings, and the prototype keys. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('sku', 'quantity', 'value', 'email', 'password', 'refreshToken', 'all', 'key', 'userId', 'admin', 'price'),
  fc.constantFrom('__proto__', 'constructor', 'prototype'),
  hostileString,
);

/** Any JSON value, as text, nested a few levels at most. */
export const hostileJson: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string; scalar: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, tie('scalar'), tie('array'), tie('object')),
  scalar: fc.oneof(hostileString.map((text) => JSON.stringify(text)), hostileNumberText, fc.constantFrom('true', 'false', 'null')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(jsonObject),
})).value;

/** `{"k":v,…}` from entries whose values are already JSON text; keys may repeat and may be `__proto__`. */
export function jsonObject(entries: ReadonlyArray<readonly [string, string]>): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/**
 * A body for a route taking the fields in `valid`: sometimes exactly valid, mostly those fields with hostile values,
 * some missing, extra ones added, or keys repeated.
 */
export function hostileRecord(valid: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const fields = Object.entries(valid).map(([name, good]) =>
    fc.option(fc.oneof({ weight: 2, arbitrary: good }, { weight: 3, arbitrary: hostileJson }), { freq: 5, nil: undefined }).map(
      (value) => (value === undefined ? [] : [[name, value] as const]),
    ),
  );
  return fc
    .tuple(fc.tuple(...fields), fc.array(fc.tuple(hostileKey, hostileJson), { maxLength: 2 }), fc.boolean())
    .map(([present, extra, extraFirst]) => {
      const known = present.flat();
      return jsonObject(extraFirst ? [...extra, ...known] : [...known, ...extra]);
    });
}

/** Valid JSON text for a record: what the route wants, to reach its success paths too. */
export function validRecord(valid: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  return fc.record(valid).map((record) => jsonObject(Object.entries(record)));
}

/** Bodies no JSON route should take: malformed, truncated, deeply nested, over the size limit, prototype-polluting. */
export function brokenBody(validBody: fc.Arbitrary<string>, maxBytes: number): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    // Valid JSON cut short anywhere: what a dropped connection or a bad proxy leaves.
    fc.tuple(validBody, fc.nat()).map(([text, cut]) => text.slice(0, text.length > 1 ? cut % (text.length - 1) : 0)),
    fc.constantFrom(
      '',
      ' ',
      '{',
      '}',
      '{"sku":',
      '{"sku": "MUG-BLUE", "quantity": 1,}',
      "{'sku': 'MUG-BLUE', 'quantity': 1}",
      '{sku: "MUG-BLUE", quantity: 1}',
      '{"sku": "MUG-BLUE", "quantity": 1} trailing',
      '{"sku": "MUG-BLUE", /* comment */ "quantity": 1}',
      '\ufeff{"sku": "MUG-BLUE", "quantity": 1}',
      '{"sku": "MUG-BLUE", "quantity": 1}\u0000',
      'null',
      '[]',
      '0',
      '"MUG-BLUE"',
      'true',
      'NaN',
      'undefined',
      '{"__proto__": {"admin": true}, "sku": "MUG-BLUE", "quantity": 1}',
      '{"\\u005f\\u005fproto\\u005f\\u005f": {"admin": true}, "value": 1}',
      '{"constructor": {"prototype": {"admin": true}}, "sku": "MUG-BLUE", "quantity": 1}',
      '{"value": {"__proto__": {"admin": true}}}',
      '{"quantity": 1, "quantity": 1e999, "sku": "MUG-BLUE"}',
      '{"sku": "MUG-BLUE", "quantity": 1e999}',
      '{"sku": "MUG-BLUE", "quantity": -0}',
      '{"sku": "MUG-BLUE", "quantity": 1.0}',
      '{"sku": "\\ud800", "quantity": 1}',
      '{"email": "a@b.test", "password": "\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000"}',
    ),
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    // Invalid UTF-8 inside an otherwise valid document.
    fc.constant(Buffer.concat([Buffer.from('{"sku": "MUG-'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('", "quantity": 1}')])),
    // Deep nesting, within and beyond the size limit.
    fc.integer({ min: 10, max: 20_000 }).chain((depth) =>
      fc.constantFrom(`${'['.repeat(depth)}${']'.repeat(depth)}`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, `{"value":${'['.repeat(depth)}${']'.repeat(depth)}}`),
    ),
    // Just under, at and over the limit: the boundary is where off-by-ones live.
    fc.integer({ min: -2, max: 2 }).map((delta) => {
      const base = '{"value": ""}';
      return `{"value": "${'x'.repeat(Math.max(0, maxBytes + delta - base.length))}"}`;
    }),
    fc.integer({ min: maxBytes + 1, max: maxBytes * 8 }).map((size) => `{"sku": "${'A'.repeat(size)}", "quantity": 1}`),
  );
}

/** Header values a client could actually put on the wire: no control characters but tab, nothing beyond Latin-1. */
export function wireSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

/** Percent-encodes a path segment or query part; lone surrogates become U+FFFD first, as any UTF-8 encoder makes them. */
export function encodeSegment(value: string): string {
  return encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
}
