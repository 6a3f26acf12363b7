import type { StateLimits } from './limits.ts';
import { refuse, type Refusal } from './outcome.ts';

/** A label: no `/ . $ * # { } [ ] < > ' "` backtick, space or control character. */
const labelChars = /^[^/.$*#{}[\]<>'"`\x00-\x20\x7f]+$/;
/** A path variable in a rule or function path: `$` and a name. */
const variableLabel = /^\$[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** The common case in one test: labels of allowed characters, none reserved. */
const plainPath = /^(?:\/[^/.$*#{}[\]<>'"`\x00-\x20\x7f]+)+$/;
const reservedInPath = /(?:^|\/)(?:__proto__|constructor|prototype)(?:\/|$)/;
/** Names that would reach JavaScript object internals if a label ever became a property key. */
const reservedLabels = new Set(['__proto__', 'constructor', 'prototype']);

export type PathKind = 'value' | 'pattern';

/** Why a label is refused, or undefined when it is fine. */
export function labelProblem(label: string, limits: StateLimits, kind: PathKind = 'value'): string | undefined {
  if (label.length === 0) return 'an empty label';
  if (label.length > limits.labelCharsMax) return `a label longer than ${limits.labelCharsMax} characters`;
  if (kind === 'pattern' && label.charCodeAt(0) === 36 /* $ */) {
    return variableLabel.test(label) ? undefined : `the variable label "${label.slice(0, 40)}" (write $ and a name such as $user)`;
  }
  if (!labelChars.test(label))
    return `the label "${printable(label)}" with a character that labels may not hold (/ . $ * # { } [ ] < > ' " \` space or control)`;
  if (reservedLabels.has(label)) return `the reserved label "${label}"`;
  return undefined;
}

/**
 * The labels of a path (`/` → `[]`), or INVALID_PATH / TOO_DEEP naming what is wrong.
 * `pattern` paths (rules, functions) may hold `$variable` labels.
 * @example parsePath('/apps/chat', defaultLimits) // ['apps', 'chat']
 */
export function parsePath(path: string, limits: StateLimits, kind: PathKind = 'value'): string[] | Refusal {
  if (typeof path !== 'string' || path.charCodeAt(0) !== 47 /* / */) {
    return refuse('INVALID_PATH', `The path ${printable(String(path))} must start with "/", e.g. "/apps/chat".`);
  }
  if (path.length > limits.pathCharsMax) {
    return refuse('INVALID_PATH', `The path ${printable(path)} is longer than ${limits.pathCharsMax} characters.`);
  }
  if (path.length === 1) return [];
  const labels = path.slice(1).split('/');
  if (labels.length <= limits.depthMax && plainPath.test(path) && !reservedInPath.test(path) && labels.every((l) => l.length <= limits.labelCharsMax)) {
    return labels;
  }
  if (labels.length > limits.depthMax) {
    return refuse('TOO_DEEP', `The path ${printable(path)} has ${labels.length} labels; at most ${limits.depthMax} are allowed.`);
  }
  for (const label of labels) {
    const problem = labelProblem(label, limits, kind);
    if (problem !== undefined) return refuse('INVALID_PATH', `The path ${printable(path)} has ${problem}.`);
  }
  return labels;
}

export function isRefusal(x: unknown): x is Refusal {
  return !Array.isArray(x);
}

/** The path string of some labels. */
export function formatPath(labels: readonly string[]): string {
  return labels.length === 0 ? '/' : '/' + labels.join('/');
}

/** A path or label cut short and with control characters escaped, safe to put in a sentence. */
export function printable(text: string): string {
  const cut = text.length > 80 ? text.slice(0, 80) + '…' : text;
  return JSON.stringify(cut);
}
