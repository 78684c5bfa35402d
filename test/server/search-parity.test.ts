import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { demoCatalog } from '../../server/db/demo-catalog.js';
import type { ProductPage } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { buildServer } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  /** Every word of the demo catalogue as people might type it, whole and cut short, alone and in pairs. */
  queries(): string[] {
    const texts = demoCatalog.flatMap((product) => [product.sku, product.name, product.description]);
    const words = [...new Set(texts.flatMap((text) => text.split(/\s+/)).filter((word) => word !== ''))];
    const prefixes = words.flatMap((word) => [word.slice(0, 2), word.slice(0, 3)]);
    const pairs = words.slice(0, 60).map((word, index) => `${word} ${words[(index * 7) % words.length]!.slice(0, 3)}`);
    return [...new Set([...words, ...prefixes, ...pairs, 'Giclée', 'g/m²', '100 g/m²', '15"', 'A5', 'é', 'ÉMAIL'])];
  },
};

describe('search on SQLite and Postgres', () => {
  const servers: Server[] = [];
  const opened: OpenBackend[] = [];

  before(async () => {
    for (const backend of backends) {
      const db = await backend.open();
      opened.push(db);
      servers.push(await buildServer({ store: db.store }));
    }
  });

  after(() => Promise.all(opened.map((db) => db.dispose())));

  it('finds the same products in the same order for every word of the test catalogue, its prefixes and pairs', async () => {
    const differences: string[] = [];
    const queries = internals.queries();
    for (const q of queries) {
      const answers = await Promise.all(
        servers.map(async (server) => {
          const res = await server.inject({ method: 'GET', url: `/products?limit=100&q=${encodeURIComponent(q)}` });
          return ((res.result as ProductPage).items ?? []).map((product) => product.sku).join(',');
        }),
      );
      if (new Set(answers).size > 1) {
        differences.push(`${q}: ${answers.join(' | ')}`);
      }
    }
    expect(queries.length).to.be.above(300);
    expect(differences).to.equal([]);
  });
});
