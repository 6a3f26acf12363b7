/** Tokens of the rule language: a small, safe subset of JavaScript expressions. */
export type Token =
  | { readonly kind: 'num'; readonly value: number; readonly at: number }
  | { readonly kind: 'str'; readonly value: string; readonly at: number }
  | { readonly kind: 'name'; readonly value: string; readonly at: number }
  | { readonly kind: 'punct'; readonly value: string; readonly at: number }
  | { readonly kind: 'end'; readonly value: ''; readonly at: number };

/** A rule that cannot be accepted; `compileRule` turns it into an INVALID_RULE outcome. */
export class RuleSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

// Longest first, so `===` is not read as `==` then `=`.
const punctuators = ['===', '!==', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '(', ')', '[', ']', '.', ','];
/** Operators of JavaScript the language leaves out, named so the refusal can say which. */
const refusedOperators = ['=>', '**', '??', '?.', '++', '--', '<<', '>>', '+=', '-=', '=', '&', '|', '^', '~', '{', '}', ';', '`', '#', '@', '\\'];

const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0', "'": "'", '"': '"', '\\': '\\', '/': '/' };

function isNameStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function readString(source: string, start: number): [string, number] {
  const quote = source[start]!;
  let out = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i]!;
    if (c === quote) return [out, i + 1];
    if (c === '\n' || c === '\r') break;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = source[i + 1];
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (e !== undefined && escapes[e] !== undefined) {
      out += escapes[e];
      i += 2;
    } else {
      throw new RuleSyntaxError(`an unknown escape \\${e ?? ''} in a string`, i);
    }
  }
  throw new RuleSyntaxError('a string that is not closed', start);
}

function readNumber(source: string, start: number): [number, number] {
  const match = /^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(source.slice(start, start + 400));
  if (match === null) throw new RuleSyntaxError('a number in a form the language does not read (write decimal digits, e.g. 10 or 2.5)', start);
  const end = start + match[0].length;
  if (end < source.length && (isNameStart(source[end]!) || isDigit(source[end]!))) {
    throw new RuleSyntaxError('a number followed by letters or digits (hex, octal and 1_000 forms are not read)', start);
  }
  const value = Number(match[0]);
  if (!Number.isFinite(value)) throw new RuleSyntaxError('a number too large to be finite', start);
  return [value, end];
}

/** Splits a rule's source into tokens, refusing anything outside the language. */
export function tokenize(source: string, tokensMax: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (tokens.length >= tokensMax) throw new RuleSyntaxError(`more than ${tokensMax} tokens`, i);
    const at = i;
    if (c === '"' || c === "'") {
      const [value, end] = readString(source, i);
      tokens.push({ kind: 'str', value, at });
      i = end;
    } else if (isDigit(c)) {
      const [value, end] = readNumber(source, i);
      tokens.push({ kind: 'num', value, at });
      i = end;
    } else if (isNameStart(c)) {
      let end = i + 1;
      while (end < source.length && (isNameStart(source[end]!) || isDigit(source[end]!))) end++;
      tokens.push({ kind: 'name', value: source.slice(i, end), at });
      i = end;
    } else {
      const refused = refusedOperators.find((op) => source.startsWith(op, i) && !punctuators.some((p) => p.length >= op.length && source.startsWith(p, i)));
      if (refused !== undefined) throw new RuleSyntaxError(`the operator ${refused}, which the rule language leaves out`, i);
      const punct = punctuators.find((p) => source.startsWith(p, i));
      if (punct === undefined) throw new RuleSyntaxError(`the character ${JSON.stringify(c)}`, i);
      tokens.push({ kind: 'punct', value: punct, at });
      i += punct.length;
    }
  }
  tokens.push({ kind: 'end', value: '', at: source.length });
  return tokens;
}
