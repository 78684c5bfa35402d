import type { Database } from 'better-sqlite3';

/** `EmailSkeletonStore` made synchronous, as better-sqlite3 is; sqlite.ts lifts it back to async. */
export interface SqliteEmailSkeletons {
  taken(skeleton: string): boolean;
  claim(skeleton: string, userId: string): boolean;
  withoutSkeleton(limit: number): { id: string; email: string }[];
}

/** Email skeletons on SQLite; one statement per call. */
export function prepareEmailSkeletons(db: Database): SqliteEmailSkeletons {
  const taken = db.prepare<[string], { found: number }>('SELECT 1 AS found FROM email_skeletons WHERE skeleton = ?');
  const claim = db.prepare<[string, string]>('INSERT INTO email_skeletons (skeleton, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const withoutSkeleton = db.prepare<[number], { id: string; email: string }>(`
    SELECT u.id, u.email FROM users u LEFT JOIN email_skeletons s ON s.user_id = u.id
    WHERE s.user_id IS NULL AND u.email IS NOT NULL ORDER BY u.created_at, u.id LIMIT ?`);
  return {
    taken: (skeleton) => taken.get(skeleton) !== undefined,
    claim: (skeleton, userId) => claim.run(skeleton, userId).changes > 0,
    withoutSkeleton: (limit) => withoutSkeleton.all(limit),
  };
}
