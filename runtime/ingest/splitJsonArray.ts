import { AinError } from '../../schemas/index.ts';

const enum Ch {
  Quote = 0x22,
  Backslash = 0x5c,
  Comma = 0x2c,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The text between `from` and `to` without JSON's whitespace around it (space, tab, CR, LF):
 * String.prototype.trim also strips what JSON.parse refuses (NBSP, U+2028, BOM, vertical tab).
 */
function trimJsonSpace(text: string, from: number, to: number): string {
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

/** Index of the quote that closes the string opened at `open`, or -1; jumps with indexOf. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at > 0) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === Ch.Backslash) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

function badJson(message: string): AinError {
  return new AinError('BAD_JSON', `The body is not a valid JSON array: ${message}.`);
}

/**
 * Splits the text of a JSON array into the texts of its elements without parsing them, so a
 * batch can travel to the verify threads as strings (a cheap copy) and be parsed there. It checks
 * the array's outline (brackets, strings, commas); each element is checked by JSON.parse where
 * it is used. Returns `null` when the text is not an array at all.
 * @example splitJsonArray('[{"a":1}, 2]') // ['{"a":1}', '2']
 */
export function splitJsonArray(text: string, maxElements: number): string[] | null {
  let at = 0;
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  if (text.charCodeAt(at) !== Ch.OpenBracket) return null;
  const elements: string[] = [];
  // Closers expected, innermost last: "[" must close with "]" and "{" with "}".
  const open: number[] = [];
  let start = at + 1;
  for (at = at + 1; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === Ch.Quote) {
      at = closingQuote(text, at);
      if (at < 0) throw badJson('a string is not closed');
    } else if (c === Ch.OpenBracket) open.push(Ch.CloseBracket);
    else if (c === Ch.OpenBrace) open.push(Ch.CloseBrace);
    else if (open.length > 0 && (c === Ch.CloseBracket || c === Ch.CloseBrace)) {
      if (open.pop() !== c) throw badJson(`a "${String.fromCharCode(c)}" at character ${at} closes the wrong bracket`);
    } else if (open.length === 0 && (c === Ch.Comma || c === Ch.CloseBracket)) {
      const element = trimJsonSpace(text, start, at);
      if (element === '') {
        if (c === Ch.CloseBracket && elements.length === 0) break; // []
        throw badJson(`element ${elements.length} is empty`);
      }
      if (elements.length === maxElements) {
        throw new AinError('BATCH_TOO_LARGE', `The batch has more than ${maxElements} txs; this node takes at most ${maxElements} per request.`, {
          details: { maxBatchTxs: maxElements },
        });
      }
      elements.push(element);
      start = at + 1;
      if (c === Ch.CloseBracket) break;
    } else if (open.length === 0 && c === Ch.CloseBrace) {
      throw badJson(`a "}" at character ${at} closes nothing`);
    }
  }
  if (at >= text.length) throw badJson('the array is not closed');
  for (at = at + 1; at < text.length; at++) {
    if (!isSpace(text.charCodeAt(at))) throw badJson(`unexpected text after the array at character ${at}`);
  }
  return elements;
}
