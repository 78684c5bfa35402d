import type { Queryable } from './postgres-queries.js';
import type { EmailSkeletonStore } from './store.js';

/** Email skeletons on Postgres; one statement per call. */
export function createEmailSkeletons(q: Queryable): EmailSkeletonStore {
  return {
    async taken(skeleton) {
      const rows = await q`SELECT 1 FROM email_skeletons WHERE skeleton = ${skeleton}`;
      return rows.length > 0;
    },
    async claim(skeleton, userId) {
      const result = await q`INSERT INTO email_skeletons (skeleton, user_id) VALUES (${skeleton}, ${userId}) ON CONFLICT DO NOTHING`;
      return result.count > 0;
    },
    async withoutSkeleton(limit) {
      return q<{ id: string; email: string }[]>`
        SELECT u.id, u.email FROM users u LEFT JOIN email_skeletons s ON s.user_id = u.id
        WHERE s.user_id IS NULL AND u.email IS NOT NULL ORDER BY u.created_at, u.id LIMIT ${limit}`;
    },
  };
}
