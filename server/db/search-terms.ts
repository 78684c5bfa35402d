/**
 * A catalogue search as both databases run it: the words of the query, every one of which must match (in any order),
 * the last one as a prefix (people type it as they go). Words are split the way both indexes split text (see migration
 * 005): lower-cased runs of letters and digits. A query of no words matches nothing.
 */
export interface SearchTerms {
  words: readonly string[];
}

const internals = {
  /** More words than this are ignored: no product name is that long, and each word is one more index lookup. */
  maxWords: 12,
};

export function searchTerms(q: string): SearchTerms {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return { words: words.slice(0, internals.maxWords) };
}

/** FTS5 MATCH text; `columns` limits every word to those columns. Words are quoted, so none is read as an operator. */
export function fts5Query({ words }: SearchTerms, columns?: readonly string[]): string {
  const terms = words.map((word, index) => `"${word}"${index === words.length - 1 ? '*' : ''}`).join(' AND ');
  return columns === undefined ? terms : `{${columns.join(' ')}} : (${terms})`;
}

/** to_tsquery text; `weight` limits every word to lexemes of that weight. Words are letters and digits only. */
export function tsQuery({ words }: SearchTerms, weight = ''): string {
  return words
    .map((word, index) => {
      const label = `${index === words.length - 1 ? '*' : ''}${weight}`;
      return label === '' ? `'${word}'` : `'${word}':${label}`;
    })
    .join(' & ');
}
