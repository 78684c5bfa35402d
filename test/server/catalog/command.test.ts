import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { runCatalogCommand } from '../../../server/catalog/command.js';
import { openStore } from '../../../server/db/open-store.js';
import type { ProductRecord } from '../../../server/db/store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

const internals = {
  line: (sku: string, fields: Record<string, unknown> = {}) =>
    JSON.stringify({ sku, name: `Name of ${sku}`, description: 'A thing.', prices: { EUR: 1000, USD: 1100 }, active: true, ...fields }),
};

interface Database {
  url: string;
  /** Empties it for the next test. */
  reset(): Promise<void>;
  drop(): Promise<void>;
}

const databases: { name: string; open(dir: string): Promise<Database> }[] = [
  {
    name: 'sqlite',
    open: async (dir) => {
      const url = join(dir, 'shop.db');
      const remove = async () => ['', '-wal', '-shm'].forEach((suffix) => rmSync(`${url}${suffix}`, { force: true }));
      return { url, reset: remove, drop: remove };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const db: TestDatabase = await createTestDatabase();
      return { url: db.url, reset: () => db.reset(), drop: () => db.drop() };
    },
  },
];

for (const database of databases) {
  describe(`shop-server catalog on ${database.name}`, () => {
    let dir: string;
    let db: Database;

    const run = async (...argv: string[]) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const code = await runCatalogCommand(argv, { stdout, stderr, env: { DATABASE_URL: db.url, SHOP_DATA_DIR: dir } });
      return { code, stdout: out, stderr: err };
    };
    const file = (name: string, lines: readonly string[]) => {
      const path = join(dir, name);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    };
    const products = async (): Promise<ProductRecord[]> => {
      const store = await openStore({ url: db.url, dataDir: dir });
      try {
        return (await store.products.list({ includeInactive: true, limit: 100, offset: 0 })).items;
      } finally {
        await store.close();
      }
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'shop-catalog-'));
      db = await database.open(dir);
    });

    beforeEach(() => db.reset());

    after(async () => {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('imports JSON Lines and reports what it added, changed and deactivated', async () => {
      expect((await run('import', file('one.jsonl', [internals.line('A-1'), internals.line('B-2')])))).to.equal({
        code: 0,
        stdout: 'added 2, changed 0, deactivated 0, unchanged 0\n',
        stderr: '',
      });

      const second = file('two.jsonl', [internals.line('A-1', { name: 'Renamed' }), internals.line('B-2', { active: false }), internals.line('C-3')]);
      expect((await run('import', second)).stdout).to.equal('added 1, changed 1, deactivated 1, unchanged 0\n');

      const stored = await products();
      expect(stored.map((p) => [p.sku, p.name, p.active])).to.equal([
        ['A-1', 'Renamed', true],
        ['B-2', 'Name of B-2', false],
        ['C-3', 'Name of C-3', true],
      ]);
      expect(stored[0]!.prices).to.equal({ EUR: 1000, USD: 1100 });
    });

    it('changes nothing when the same file is imported twice', async () => {
      const path = file('same.jsonl', [internals.line('A-1'), internals.line('B-2', { prices: { EUR: 5, GBP: 4 } })]);
      await run('import', path);

      expect((await run('import', path)).stdout).to.equal('added 0, changed 0, deactivated 0, unchanged 2\n');
    });

    it('sets the stock a file gives, counts a new stock as a change, and exports it', async () => {
      await run('import', file('a.jsonl', [internals.line('A-1', { stock: 5 }), internals.line('B-2')]));
      const again = await run('import', file('b.jsonl', [internals.line('A-1', { stock: 2 }), internals.line('B-2')]));
      expect(again.stdout).to.equal('added 0, changed 1, deactivated 0, unchanged 1\n');
      expect((await products()).map((product) => product.stock)).to.equal([2, null]);
      const exported = (await run('export')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { stock?: number });
      expect(exported.map((entry) => entry.stock)).to.equal([2, undefined]);
    });

    it('refuses a bad file with its line number and changes nothing', async () => {
      await run('import', file('base.jsonl', [internals.line('A-1')]));
      const bad = file('bad.jsonl', [internals.line('A-1', { name: 'Changed' }), internals.line('B-2'), internals.line('C-3', { prices: { USD: 100 } })]);

      const result = await run('import', bad);

      expect(result.code).to.equal(1);
      expect(result.stderr).to.equal(`shop-server: ${bad} line 3: every product needs a EUR price (the catalogue's currency); nothing was imported\n`);
      expect((await products()).map((p) => [p.sku, p.name])).to.equal([['A-1', 'Name of A-1']]);
    });

    it('names the line of a duplicate SKU, an unknown key and broken JSON', async () => {
      const cases: [string[], string][] = [
        [[internals.line('A-1'), '', internals.line('A-1')], 'line 3: sku A-1 is already on line 1'],
        [[internals.line('A-1', { colour: 'red' })], 'line 1: unknown key "colour"'],
        [[internals.line('A-1'), '{"sku": '], 'line 2: not JSON'],
        [[internals.line('a-1')], 'line 1: sku "a-1" must be upper-case'],
        [[internals.line('A-1', { prices: { EUR: 9.5 } })], 'line 1: the EUR price must be a whole number'],
      ];
      for (const [lines, message] of cases) {
        const result = await run('import', file('case.jsonl', lines));
        expect(result.code).to.equal(1);
        expect(result.stderr).to.contain(message);
      }
      expect(await products()).to.equal([]);
    });

    it('imports CSV with a price column per currency, and the stock given', async () => {
      const path = file('cat.csv', [
        'sku,name,description,active,price_EUR,price_USD,stock',
        'A-1,"Mug, Blue","Holds ""tea""",true,1490,1690,12',
        'B-2,Cap,,false,2400,,0',
      ]);

      const result = await run('import', path);

      expect(result).to.equal({ code: 0, stdout: 'added 2, changed 0, deactivated 0, unchanged 0\n', stderr: '' });
      const stored = await products();
      expect(stored[0]).to.equal({ sku: 'A-1', name: 'Mug, Blue', description: 'Holds "tea"', prices: { EUR: 1490, USD: 1690 }, active: true, stock: 12 });
      expect(stored[1]).to.equal({ sku: 'B-2', name: 'Cap', description: '', prices: { EUR: 2400 }, active: false, stock: 0 });
    });

    it('refuses a CSV with an unknown column or a bad cell, naming the line', async () => {
      expect((await run('import', file('a.csv', ['sku,name,colour', 'A-1,Mug,red']))).stderr).to.contain('line 1: unknown column "colour"');
      expect((await run('import', file('b.csv', ['sku,name,price_EUR', 'A-1,Mug,100', 'B-2,Cap,12.50']))).stderr).to.contain(
        'line 3: price_EUR must be a whole number, got "12.50"',
      );
      expect(await products()).to.equal([]);
    });

    it('deactivates products the file does not list when asked', async () => {
      await run('import', file('base.jsonl', [internals.line('A-1'), internals.line('B-2')]));

      const result = await run('import', file('less.jsonl', [internals.line('A-1')]), '--deactivate-missing');

      expect(result.stdout).to.equal('added 0, changed 0, deactivated 1, unchanged 1\n');
      expect((await products()).map((p) => p.active)).to.equal([true, false]);
    });

    it('exports in the format it imports, so an export imports back unchanged', async () => {
      await run('import', file('base.jsonl', [internals.line('A-1'), internals.line('B-2', { active: false, prices: { EUR: 7 } })]));

      const jsonl = await run('export');
      expect(jsonl.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).to.equal([
        { sku: 'A-1', name: 'Name of A-1', description: 'A thing.', prices: { EUR: 1000, USD: 1100 }, active: true },
        { sku: 'B-2', name: 'Name of B-2', description: 'A thing.', prices: { EUR: 7 }, active: false },
      ]);
      const csvPath = join(dir, 'out.csv');
      expect((await run('export', '--output', csvPath)).code).to.equal(0);
      expect(readFileSync(csvPath, 'utf8').split('\n')[0]).to.equal('sku,name,description,active,price_EUR,price_USD');

      expect((await run('import', file('again.jsonl', [jsonl.stdout.trim()]))).stdout).to.equal('added 0, changed 0, deactivated 0, unchanged 2\n');
      expect((await run('import', csvPath)).stdout).to.equal('added 0, changed 0, deactivated 0, unchanged 2\n');
    });

    it('answers a usage mistake with exit code 2 and the usage', async () => {
      for (const argv of [['import'], ['frobnicate'], ['export', 'x.jsonl'], ['import', 'x', '--format', 'xml']]) {
        const result = await run(...argv);
        expect(result.code).to.equal(2);
        expect(result.stderr).to.contain('usage: shop-server catalog import FILE');
      }
      const missing = await run('import', join(dir, 'nope.jsonl'));
      expect(missing).to.include({ code: 1, stderr: `shop-server: cannot read ${join(dir, 'nope.jsonl')}: ENOENT\n` });
    });
  });
}
