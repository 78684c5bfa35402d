import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

import { type CatalogEntry, checkCatalogEntry } from '../../shared/rules/catalog.js';

/**
 * The catalogue file formats `shop-server catalog import|export` read and write (documented in the README):
 * - JSON Lines: one object per line, `{"sku","name","description","prices":{"EUR":1490,…},"active"[,"stock"]}`.
 * - CSV: a header row `sku,name,description,active,price_EUR,price_USD,…[,stock]`, one column per currency; an empty
 *   price cell means no price in that currency. `active` is `true` or `false`.
 * Amounts are integer minor units. Unknown keys or columns are refused rather than ignored.
 */
export type CatalogFormat = 'jsonl' | 'csv';

/** A file that cannot be imported: the 1-based line it went wrong on, and why. */
export class CatalogFileError extends Error {
  override readonly name = 'CatalogFileError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const internals = {
  jsonKeys: new Set(['sku', 'name', 'description', 'prices', 'active', 'stock']),
  csvFixed: new Set(['sku', 'name', 'description', 'active', 'stock']),
  pricePrefix: 'price_',

  /** Checks the entry with the shared catalogue rule, and that its SKU is not already in the file. */
  accept(entry: CatalogEntry, line: number, seen: Map<string, number>): CatalogEntry {
    const problem = checkCatalogEntry(entry);
    if (problem !== undefined) {
      throw new CatalogFileError(line, problem);
    }
    const earlier = seen.get(entry.sku);
    if (earlier !== undefined) {
      throw new CatalogFileError(line, `sku ${entry.sku} is already on line ${earlier}`);
    }
    seen.set(entry.sku, line);
    return entry;
  },

  jsonEntry(value: unknown, line: number): CatalogEntry {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CatalogFileError(line, 'expected a JSON object');
    }
    const record = value as Record<string, unknown>;
    const unknown = Object.keys(record).find((key) => !internals.jsonKeys.has(key));
    if (unknown !== undefined) {
      throw new CatalogFileError(line, `unknown key "${unknown}"`);
    }
    const { sku, name, description = '', prices, active = true, stock } = record;
    if (typeof sku !== 'string' || typeof name !== 'string' || typeof description !== 'string') {
      throw new CatalogFileError(line, 'sku and name must be strings (and description, when given)');
    }
    if (typeof prices !== 'object' || prices === null || Array.isArray(prices) || !Object.values(prices).every((amount) => typeof amount === 'number')) {
      throw new CatalogFileError(line, 'prices must be an object of currency code → amount in minor units');
    }
    if (typeof active !== 'boolean') {
      throw new CatalogFileError(line, 'active must be true or false');
    }
    if (stock !== undefined && typeof stock !== 'number') {
      throw new CatalogFileError(line, 'stock must be a number');
    }
    return { sku, name, description, prices: prices as Record<string, number>, active, ...(stock === undefined ? {} : { stock }) };
  },

  /** A whole number from a CSV cell, or `undefined` for an empty one. */
  csvNumber(cell: string, what: string, line: number): number | undefined {
    if (cell.trim() === '') {
      return undefined;
    }
    if (!/^\d+$/.test(cell.trim())) {
      throw new CatalogFileError(line, `${what} must be a whole number, got "${cell}"`);
    }
    return Number(cell.trim());
  },
};

/** The format a file name implies: `.csv` is CSV, anything else JSON Lines. */
export function formatOf(file: string): CatalogFormat {
  return file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
}

/** Parses and checks a whole catalogue file; throws a {@link CatalogFileError} naming the first bad line. */
export function parseCatalog(text: string, format: CatalogFormat): CatalogEntry[] {
  const seen = new Map<string, number>();
  if (format === 'jsonl') {
    const entries: CatalogEntry[] = [];
    text.split('\n').forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') {
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw new CatalogFileError(line, `not JSON: ${(error as Error).message}`);
      }
      entries.push(internals.accept(internals.jsonEntry(value, line), line, seen));
    });
    return entries;
  }

  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { info: true, skip_empty_lines: true, relax_column_count: false, bom: true }) as unknown as typeof rows;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    throw new CatalogFileError(line, (error as Error).message.replace(/^Invalid Record Length: /, ''));
  }
  const [header, ...records] = rows;
  if (header === undefined) {
    return [];
  }
  const columns = header.record.map((name) => name.trim());
  for (const column of columns) {
    if (!internals.csvFixed.has(column) && !column.startsWith(internals.pricePrefix)) {
      throw new CatalogFileError(1, `unknown column "${column}" (expected sku, name, description, active, price_<CURRENCY>, stock)`);
    }
  }
  for (const required of ['sku', 'name']) {
    if (!columns.includes(required)) {
      throw new CatalogFileError(1, `the header has no "${required}" column`);
    }
  }
  return records.map(({ record, info }) => {
    const line = info.lines;
    const cell = (name: string): string | undefined => {
      const index = columns.indexOf(name);
      return index === -1 ? undefined : record[index];
    };
    const active = (cell('active') ?? 'true').trim().toLowerCase();
    if (active !== 'true' && active !== 'false') {
      throw new CatalogFileError(line, `active must be true or false, got "${active}"`);
    }
    const prices: Record<string, number> = {};
    for (const column of columns.filter((name) => name.startsWith(internals.pricePrefix))) {
      const currency = column.slice(internals.pricePrefix.length);
      const amount = internals.csvNumber(cell(column) ?? '', column, line);
      if (amount !== undefined) {
        prices[currency] = amount;
      }
    }
    const stock = internals.csvNumber(cell('stock') ?? '', 'stock', line);
    const entry: CatalogEntry = {
      sku: cell('sku') ?? '',
      name: cell('name') ?? '',
      description: cell('description') ?? '',
      prices,
      active: active === 'true',
      ...(stock === undefined ? {} : { stock }),
    };
    return internals.accept(entry, line, seen);
  });
}

/** Writes entries in `format`; CSV gets one price column per currency any entry has, in code order. */
export function formatCatalog(entries: readonly CatalogEntry[], format: CatalogFormat): string {
  if (format === 'jsonl') {
    return entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
  }
  const currencies = [...new Set(entries.flatMap((entry) => Object.keys(entry.prices)))].sort();
  const withStock = entries.some((entry) => entry.stock !== undefined);
  const header = ['sku', 'name', 'description', 'active', ...currencies.map((code) => `${internals.pricePrefix}${code}`), ...(withStock ? ['stock'] : [])];
  const rows = entries.map((entry) => [
    entry.sku,
    entry.name,
    entry.description,
    String(entry.active),
    ...currencies.map((code) => (Object.hasOwn(entry.prices, code) ? String(entry.prices[code]) : '')),
    ...(withStock ? [entry.stock === undefined ? '' : String(entry.stock)] : []),
  ]);
  return stringify([header, ...rows]);
}
