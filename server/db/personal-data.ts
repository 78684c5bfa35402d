import type { PersonalDataOwner, PersonalRow, PersonalSection } from './store.js';

/** How a column's value becomes JSON: times and JSON text are stored differently by each dialect. */
export type ColumnType = 'text' | 'integer' | 'time' | 'json';

/**
 * One table that names users: which column says whose a row is, and which of its columns an export shows (by their
 * name in the document). Columns not listed — password hashes, token hashes, request fingerprints — never leave the
 * database.
 */
export interface PersonalTable {
  readonly table: string;
  readonly section: PersonalSection;
  readonly owner: { readonly column: string; readonly key: keyof PersonalDataOwner };
  readonly exported: Readonly<Record<string, readonly [column: string, type: ColumnType]>>;
  readonly orderBy: string;
  /**
   * What an account deletion does to the rows: `delete` them (the default), or `detach` them, setting the owner column
   * to NULL, for rows the shop must keep for its books (orders) but that must no longer say whose they were.
   */
  readonly onErase?: 'delete' | 'detach';
}

/**
 * Every table that holds rows about a user, in the order an account deletion removes them (children first, `users`
 * last). The one place to extend when a table that names users is added: a line here has its rows exported by
 * `GET /me/export` and deleted by `DELETE /me`, on both databases. The account-deletion test reads the database
 * catalogue and fails for a table that names a user and is missing here.
 *
 * Orders are the exception: kept for the shop's books, they are detached from the user (`onErase: 'detach'`, the user
 * id set to NULL) rather than deleted. They hold no address or name of the buyer, only what was bought.
 */
export const personalTables: readonly PersonalTable[] = [
  {
    table: 'cart_lines',
    section: 'cartLines',
    owner: { column: 'user_id', key: 'userId' },
    exported: { sku: ['sku', 'text'], quantity: ['quantity', 'integer'], addedAt: ['added_at', 'time'] },
    orderBy: 'added_at, sku',
  },
  {
    table: 'carts',
    section: 'cart',
    owner: { column: 'user_id', key: 'userId' },
    exported: { version: ['version', 'integer'] },
    orderBy: 'user_id',
  },
  {
    table: 'preferences',
    section: 'preferences',
    owner: { column: 'user_id', key: 'userId' },
    exported: { key: ['key', 'text'], value: ['value', 'json'], updatedAt: ['updated_at', 'time'] },
    orderBy: 'key',
  },
  {
    // Logins: when each began, was refreshed, expires or was revoked. Never the token hash.
    table: 'refresh_tokens',
    section: 'sessions',
    owner: { column: 'user_id', key: 'userId' },
    exported: {
      login: ['family_id', 'text'],
      createdAt: ['created_at', 'time'],
      expiresAt: ['expires_at', 'time'],
      usedAt: ['used_at', 'time'],
      revokedAt: ['revoked_at', 'time'],
    },
    orderBy: 'created_at, family_id',
  },
  {
    // Requests sent with an Idempotency-Key and the answers kept for their replays. Never the request fingerprint.
    table: 'idempotency_keys',
    section: 'requests',
    owner: { column: 'scope', key: 'idempotencyScopes' },
    exported: {
      idempotencyKey: ['key', 'text'],
      status: ['status', 'integer'],
      response: ['body', 'json'],
      createdAt: ['created_at', 'time'],
      expiresAt: ['expires_at', 'time'],
    },
    orderBy: 'created_at, key',
  },
  {
    table: 'login_failures',
    section: 'failedLogins',
    owner: { column: 'account', key: 'loginAccounts' },
    exported: { address: ['address', 'text'], windowStart: ['window_start', 'time'], failures: ['failures', 'integer'] },
    orderBy: 'window_start, address',
  },
  {
    // The look-alike key derived from the email (server/auth/email-skeleton.ts), which keeps the address taken.
    table: 'email_skeletons',
    section: 'emailKeys',
    owner: { column: 'user_id', key: 'userId' },
    exported: { skeleton: ['skeleton', 'text'] },
    orderBy: 'skeleton',
  },
  {
    table: 'orders',
    section: 'orders',
    owner: { column: 'user_id', key: 'userId' },
    exported: {
      id: ['id', 'text'],
      state: ['state', 'text'],
      lines: ['lines', 'json'],
      subtotal: ['subtotal', 'integer'],
      itemCount: ['item_count', 'integer'],
      currency: ['currency', 'text'],
      placedAt: ['placed_at', 'time'],
    },
    orderBy: 'placed_at, id',
    onErase: 'detach',
  },
  {
    // Devices that sync queued changes: the last change applied from each, and when each was last seen.
    table: 'devices',
    section: 'devices',
    owner: { column: 'user_id', key: 'userId' },
    exported: { deviceId: ['device_id', 'text'], lastSequence: ['last_seq', 'integer'], lastSeen: ['last_seen', 'time'] },
    orderBy: 'last_seen, device_id',
  },
  {
    // The password hash and token version stay in the database.
    table: 'users',
    section: 'account',
    owner: { column: 'id', key: 'userId' },
    exported: { id: ['id', 'text'], email: ['email', 'text'], createdAt: ['created_at', 'time'] },
    orderBy: 'id',
  },
];

/** The owner's values for a table's owner column, as a list (a user has one id, several idempotency scopes). */
export function ownerValues(owner: PersonalDataOwner, table: PersonalTable): readonly string[] {
  const value = owner[table.owner.key];
  return typeof value === 'string' ? [value] : value;
}

/** `SELECT` of the exported columns of the rows of `table` whose owner column is one of the placeholders. */
export function collectStatement(table: PersonalTable, placeholders: readonly string[]): string {
  const columns = Object.values(table.exported).map(([column]) => column);
  return `SELECT ${columns.join(', ')} FROM ${table.table} WHERE ${table.owner.column} IN (${placeholders.join(', ')}) ORDER BY ${table.orderBy}`;
}

/** `DELETE` (or, for a table whose rows are detached, `UPDATE … SET owner = NULL`) of the rows of `table` whose owner column is one of the placeholders. */
export function eraseStatement(table: PersonalTable, placeholders: readonly string[]): string {
  const where = `WHERE ${table.owner.column} IN (${placeholders.join(', ')})`;
  if (table.onErase === 'detach') {
    return `UPDATE ${table.table} SET ${table.owner.column} = NULL ${where}`;
  }
  return `DELETE FROM ${table.table} ${where}`;
}

/**
 * Renames a row's columns to their export names and turns each value into what JSON can hold: `toTime` reads the
 * dialect's time values, JSON text is parsed (an empty body, as a 204 leaves, is `null`).
 */
export function exportRow(table: PersonalTable, row: Record<string, unknown>, toTime: (value: unknown) => Date): PersonalRow {
  const out: PersonalRow = {};
  for (const [name, [column, type]] of Object.entries(table.exported)) {
    const value = row[column];
    if (value === null || value === undefined) {
      out[name] = null;
    } else if (type === 'time') {
      out[name] = toTime(value);
    } else if (type === 'json') {
      out[name] = value === '' ? null : (JSON.parse(String(value)) as unknown);
    } else if (type === 'integer') {
      out[name] = Number(value);
    } else {
      out[name] = String(value);
    }
  }
  return out;
}

/** An empty result with every section present, so a user without preferences still gets `preferences: []`. */
export function emptyPersonalData(): Record<PersonalSection, PersonalRow[]> {
  return { account: [], cart: [], cartLines: [], preferences: [], sessions: [], requests: [], failedLogins: [], emailKeys: [], orders: [], devices: [] };
}
