/**
 * The LIKE/ILIKE pattern for "contains `q`", for use with `ESCAPE '\'`. `\`, `%` and `_` in `q` are escaped so a search
 * for "100%" or "a_b" matches those characters literally instead of acting as wildcards.
 */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
