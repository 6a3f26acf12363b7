/**
 * Whether `pattern` occurs in `text` (UTF-16 code units, as `String.prototype.includes`), in time
 * linear in both: Knuth–Morris–Pratt reads each character of `text` at most twice. The engine's own
 * `includes` is not linear: a pattern like `a…aba…a` over `a…a` costs it length × length / 8
 * comparisons, and a rule's step budget charges by length, so it must get the linear search.
 * @example includesText('newsletter', 'sle') // true
 */
export function includesText(text: string, pattern: string): boolean {
  const m = pattern.length;
  if (m === 0) return true;
  if (m > text.length) return false;
  // border[i]: the length of the longest proper prefix of pattern[0..i] that is also its suffix.
  const border = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    const c = pattern.charCodeAt(i);
    while (k > 0 && pattern.charCodeAt(k) !== c) k = border[k - 1]!;
    if (pattern.charCodeAt(k) === c) k++;
    border[i] = k;
  }
  for (let i = 0, k = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    while (k > 0 && pattern.charCodeAt(k) !== c) k = border[k - 1]!;
    if (pattern.charCodeAt(k) === c && ++k === m) return true;
  }
  return false;
}
