import { readFile, writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';

import { openStore } from '../db/open-store.js';
import { CatalogFileError, type CatalogFormat, formatCatalog, formatOf, parseCatalog } from './format.js';
import { exportCatalog, importCatalog } from './import.js';

export const CATALOG_USAGE = `usage: shop-server catalog import FILE [--format jsonl|csv] [--deactivate-missing]
       shop-server catalog export [--format jsonl|csv] [--output FILE]

import   adds and updates products from FILE (JSON Lines, or CSV for a .csv name), one transaction per batch, and
         reports what it added, changed and deactivated. A bad file is refused, naming its line, and nothing changes.
         --deactivate-missing also deactivates active products FILE does not list.
export   writes every product, active or not, in the same format (stdout unless --output).
The database is DATABASE_URL (else SHOP_DATA_DIR/shop.db), as for the server.
`;

export interface CatalogCommandIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/** A mistake in how the command was called: usage, exit 2. */
class UsageError extends Error {}

const internals = {
  format(value: string | undefined, fallback: CatalogFormat): CatalogFormat {
    if (value === undefined) {
      return fallback;
    }
    if (value !== 'jsonl' && value !== 'csv') {
      throw new UsageError(`--format must be jsonl or csv, not "${value}"`);
    }
    return value;
  },

  parse(argv: readonly string[]) {
    try {
      return parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: {
          format: { type: 'string' },
          output: { type: 'string', short: 'o' },
          'deactivate-missing': { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  },
};

/** `shop-server catalog …`: returns the exit code. 1 for a bad file or a failed database, 2 for bad usage. */
export async function runCatalogCommand(argv: readonly string[], io: CatalogCommandIo): Promise<number> {
  try {
    const { values, positionals } = internals.parse(argv);
    const [verb, file, ...extra] = positionals;
    if (values.help === true) {
      io.stdout.write(CATALOG_USAGE);
      return 0;
    }
    if (extra.length > 0 || (verb === 'import' && file === undefined) || (verb === 'export' && file !== undefined) || (verb !== 'import' && verb !== 'export')) {
      throw new UsageError(verb === 'import' ? 'catalog import needs exactly one FILE' : 'expected "catalog import FILE" or "catalog export"');
    }
    if (verb === 'import' && (values.output !== undefined)) {
      throw new UsageError('--output is for export');
    }
    if (verb === 'export' && values['deactivate-missing'] === true) {
      throw new UsageError('--deactivate-missing is for import');
    }

    // Checked before the database is opened: a usage mistake costs nothing. (With --format given, both verbs use it.)
    const exportFormat = internals.format(values.format, values.output === undefined ? 'jsonl' : formatOf(values.output));
    const store = await openStore({ url: io.env.DATABASE_URL || undefined, dataDir: io.env.SHOP_DATA_DIR || './data' });
    try {
      if (verb === 'import') {
        const path = file!;
        const format = values.format === undefined ? formatOf(path) : exportFormat;
        let text: string;
        try {
          text = await readFile(path, 'utf8');
        } catch (error) {
          io.stderr.write(`shop-server: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
          return 1;
        }
        let entries;
        try {
          entries = parseCatalog(text, format);
        } catch (error) {
          if (error instanceof CatalogFileError) {
            io.stderr.write(`shop-server: ${path} ${error.message}; nothing was imported\n`);
            return 1;
          }
          throw error;
        }
        const report = await importCatalog(store, entries, { deactivateMissing: values['deactivate-missing'] === true });
        io.stdout.write(`added ${report.added}, changed ${report.changed}, deactivated ${report.deactivated}, unchanged ${report.unchanged}\n`);
        return 0;
      }
      const output = formatCatalog(await exportCatalog(store), exportFormat);
      if (values.output === undefined) {
        io.stdout.write(output);
      } else {
        await writeFile(values.output, output);
      }
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`shop-server: ${error.message}\n${CATALOG_USAGE}`);
      return 2;
    }
    throw error;
  }
}
