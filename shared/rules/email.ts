import { domainToASCII } from 'node:url';

/**
 * How an email address is compared and stored, so one address is one account however it is typed (UTS #39 §5 and
 * UTS #46). Pure functions; no IO.
 */

const internals = {
  /** Characters that render as nothing (zero-width space, soft hyphen, BOM, variation selectors…). */
  ignorable: /\p{Default_Ignorable_Code_Point}/gu,

  /** Scripts a letter may belong to (its Script_Extensions), from the ones addresses are written in. */
  scripts: [
    'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari', 'Bengali', 'Gurmukhi',
    'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan', 'Myanmar',
    'Georgian', 'Hangul', 'Ethiopic', 'Cherokee', 'Khmer', 'Mongolian', 'Hiragana', 'Katakana', 'Bopomofo', 'Han',
  ].map((name) => ({ name, test: new RegExp(`^\\p{scx=${name}}$`, 'u') })),

  /** Common and Inherited characters (digits, punctuation, combining marks) go with any script. */
  anyScript: /^[\p{scx=Zyyy}\p{scx=Zinh}]$/u,

  /** UTS #39's augmentation: Han is written together with kana (Japanese), Hangul (Korean) and Bopomofo. */
  augment(scripts: Set<string>): Set<string> {
    const out = new Set(scripts);
    if (scripts.has('Han')) ['Jpan', 'Kore', 'Hanb'].forEach((name) => out.add(name));
    if (scripts.has('Hiragana') || scripts.has('Katakana')) out.add('Jpan');
    if (scripts.has('Hangul')) out.add('Kore');
    if (scripts.has('Bopomofo')) out.add('Hanb');
    return out;
  },

  /** The scripts every character of `text` can be read in (UTS #39 resolved script set); `undefined`: any. */
  resolvedScripts(characters: readonly string[]): Set<string> | undefined {
    let resolved: Set<string> | undefined;
    for (const character of characters) {
      if (internals.anyScript.test(character)) {
        continue;
      }
      const own = internals.scripts.filter((script) => script.test.test(character)).map((script) => script.name);
      const scripts = internals.augment(new Set(own.length > 0 ? own : [`other:${character}`]));
      resolved = resolved === undefined ? scripts : new Set([...resolved].filter((name) => scripts.has(name)));
    }
    return resolved;
  },
};

/**
 * The form an address is stored and looked up in: NFKC (fullwidth `ｋ` is `k`, NFD `å` is NFC `å`), invisible
 * characters removed, lower case, no surrounding space, and an internationalised domain in its ASCII (punycode) form.
 */
export function normalizeEmail(email: string): string {
  const folded = email.normalize('NFKC').replace(internals.ignorable, '').toLowerCase().normalize('NFKC').trim();
  const at = folded.lastIndexOf('@');
  if (at < 0) {
    return folded;
  }
  const domain = folded.slice(at + 1);
  const ascii = domainToASCII(domain);
  return `${folded.slice(0, at)}@${ascii === '' ? domain : ascii}`;
}

/** The part before the last `@`. */
export function localPart(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? email : email.slice(0, at);
}

/**
 * Whether `local` mixes scripts beyond what UTS #39's "highly restrictive" level allows: one script, or Latin with
 * Han and kana, Han and Bopomofo, or Han and Hangul. `kаte` with a Cyrillic `а` mixes; `катя` and `山田たろう` do not.
 */
export function isMixedScript(local: string): boolean {
  const characters = [...local];
  const resolved = internals.resolvedScripts(characters);
  if (resolved === undefined || resolved.size > 0) {
    return false;
  }
  const withoutLatin = internals.resolvedScripts(characters.filter((character) => !/^\p{scx=Latin}$/u.test(character)));
  return !(withoutLatin !== undefined && ['Jpan', 'Kore', 'Hanb'].some((name) => withoutLatin.has(name)));
}
