/**
 * A canonical text form of a value for exact comparisons: -0, NaN, invalid Dates, key order,
 * own `undefined` properties, array holes and class names all show. vitest's equality treats
 * Invalid Date as unequal to itself and would let some of these differences through.
 */

import { utf8RoundTrip } from './arbitraries.ts';

/**
 * `asEncoded` renders what the codec must produce from `v` rather than `v` itself: strings as
 * after UTF-8 (lone surrogates -> U+FFFD), and a Buffer as a Uint8Array.
 */
export function canon(v: unknown, asEncoded = false): string {
  const str = (s: string) => JSON.stringify(asEncoded ? utf8RoundTrip(s) : s);
  const walk = (x: unknown): string => {
    switch (typeof x) {
      case 'number':
        return Object.is(x, -0) ? '-0' : String(x);
      case 'bigint':
        return `${x}n`;
      case 'string':
        return str(x);
      case 'undefined':
        return 'undefined';
      case 'boolean':
        return String(x);
      case 'object':
        break;
      default:
        return `?${typeof x}`;
    }
    if (x === null) return 'null';
    if (x instanceof Date) return `Date(${x.getTime()})`;
    if (ArrayBuffer.isView(x)) {
      const name = asEncoded && Buffer.isBuffer(x) ? 'Uint8Array' : x.constructor.name;
      const items = Array.from(x as unknown as ArrayLike<number | bigint>, (n) => walk(n));
      const shared = x.buffer instanceof SharedArrayBuffer ? 'shared ' : '';
      return `${shared}${name}[${items.join(',')}]`;
    }
    if (Array.isArray(x)) {
      const items: string[] = [];
      for (let i = 0; i < x.length; i++) items.push(i in x ? walk(x[i]) : '<hole>');
      return `[${items.join(',')}]`;
    }
    if (x instanceof Map)
      return `Map{${[...x].map(([k, e]) => `${walk(k)}=>${walk(e)}`).join(',')}}`;
    if (x instanceof Set) return `Set{${[...x].map(walk).join(',')}}`;
    const proto = Object.getPrototypeOf(x);
    // Null-prototype objects decode as plain objects.
    const tag =
      proto === Object.prototype || (proto === null && asEncoded)
        ? ''
        : (proto?.constructor.name ?? 'null-proto');
    const entries = Object.keys(x).map(
      (k) => `${str(k)}:${walk((x as Record<string, unknown>)[k])}`,
    );
    return `${tag}{${entries.join(',')}}`;
  };
  return walk(v);
}
