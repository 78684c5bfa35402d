import unhomoglyph from 'unhomoglyph';

import { localPart } from '../../shared/rules/email.js';
import type { Store } from '../db/store.js';

/**
 * UTS #39's skeleton of a normalised address's local part — NFD, each character replaced by its prototype from
 * Unicode's confusables.txt (unhomoglyph's table), NFD again — with the domain as it is. Two addresses with one skeleton
 * look the same to a person (`kаte` with a Cyrillic `а` and `kate`, `rn` and `m`), so only the first gets an account.
 */
export function emailSkeleton(normalizedEmail: string): string {
  const local = localPart(normalizedEmail);
  const domain = normalizedEmail.slice(local.length);
  return `${unhomoglyph(local.normalize('NFD')).normalize('NFD')}${domain}`;
}

/**
 * Gives accounts created before skeletons were kept theirs, in batches, at start-up. Idempotent and safe on several
 * instances at once. Of two old accounts that look alike, the older keeps the skeleton; both keep working.
 */
export async function backfillEmailSkeletons(store: Store, batch = 500): Promise<number> {
  let done = 0;
  const skipped = new Set<string>();
  for (;;) {
    const users = (await store.emailSkeletons.withoutSkeleton(batch + skipped.size)).filter((user) => !skipped.has(user.id));
    if (users.length === 0) {
      return done;
    }
    for (const user of users) {
      if (await store.emailSkeletons.claim(emailSkeleton(user.email), user.id)) {
        done++;
      } else {
        skipped.add(user.id); // a look-alike of an older account: it keeps working, and stays without a skeleton
      }
    }
  }
}
