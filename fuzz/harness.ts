// The fuzz harness: drives generated inputs through one decoder target, classifies what each
// input did (a coded refusal is fine; anything else is a finding), and shrinks the first input of
// each distinct finding with fast-check so the report shows the smallest one and how to replay it.
import fc from 'fast-check';
import { AinError, errorCodes, type ErrorCode } from '../schemas/index.ts';

/** What a finding is: a throw past a coded AinError, an unlisted code, a slow input, or two paths that disagree. */
export type FindingKind = 'crash' | 'uncoded' | 'hang' | 'divergence';
export const findingKinds: readonly FindingKind[] = ['crash', 'uncoded', 'hang', 'divergence'];

/** Thrown by a target's check when an input shows a defect. */
export class Finding extends Error {
  constructor(
    readonly kind: FindingKind,
    message: string,
  ) {
    super(message);
  }
}

/** Two paths that should agree did not. */
export function diverge(message: string): never {
  throw new Finding('divergence', message);
}

export const isListedCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(errorCodes, code);

/** The first frames of a stack that are ain's own files: where it threw. */
export function whereThrown(error: unknown): string {
  const stack = (error as Error | undefined)?.stack ?? '';
  const frames = stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line) && !line.includes('node_modules') && !line.includes('/fuzz/') && !line.includes('node:'));
  return frames
    .slice(0, 3)
    .map((line) => line.trim().replace(/^at /, '').replace(`${process.cwd()}/`, ''))
    .join(' < ');
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `a thrown ${typeof error}: ${String(error).slice(0, 200)}`;
  const where = whereThrown(error);
  return `${error.name}: ${error.message.slice(0, 300)}${where === '' ? '' : ` (at ${where})`}`;
}

/**
 * The finding an error thrown by a decoder is, or undefined when it is a coded refusal (an AinError
 * whose code is listed in schemas/errors/codes.ts). INTERNAL is listed but means a bug: a crash.
 */
export function findingOf(error: unknown): Finding | undefined {
  if (error instanceof Finding) return error;
  if (error instanceof AinError) {
    if (!isListedCode(error.code)) return new Finding('uncoded', `an AinError with the unlisted code ${JSON.stringify(error.code)}: ${error.message}`);
    if (error.code === 'INTERNAL')
      return new Finding('crash', `INTERNAL: ${error.message}${error.cause === undefined ? '' : ` caused by ${describeError(error.cause)}`}`);
    return undefined;
  }
  return new Finding('crash', describeError(error));
}

/** A refusal given back as data (`{ code, message }`): the code must be listed and not INTERNAL. */
export function checkRefusal(refusal: { readonly code?: unknown; readonly message?: unknown }, where: string): void {
  if (!isListedCode(refusal.code))
    throw new Finding('uncoded', `${where} answered the unlisted code ${JSON.stringify(refusal.code)}: ${String(refusal.message).slice(0, 300)}`);
  if (refusal.code === 'INTERNAL') throw new Finding('crash', `${where} answered INTERNAL: ${String(refusal.message).slice(0, 300)}`);
  if (typeof refusal.message !== 'string' || refusal.message === '') throw new Finding('uncoded', `${where} answered ${refusal.code} without a message`);
}

export type Attempt<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/** Runs a decoder: its value, or its coded refusal; anything else is rethrown as a Finding. */
export function attempt<T>(run: () => T): Attempt<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return refused(error);
  }
}

export async function attemptAsync<T>(run: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return refused(error);
  }
}

function refused(error: unknown): { ok: false; code: ErrorCode; message: string } {
  const finding = findingOf(error);
  if (finding !== undefined) throw finding;
  const { code, message } = error as AinError;
  return { ok: false, code, message };
}

/** One decoder at the boundary, and how to drive it. */
export interface Target<T, C = undefined> {
  readonly name: string;
  /** What it drives, in one line. */
  readonly about: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Longest one input may take before it is a hang (a run's inputMs overrides it). */
  readonly inputMs: number;
  /** Checking an input again does the same work, so a slow input is confirmed by a second run. */
  readonly pure: boolean;
  /** What an input's time is measured on: the lesser of CPU time and wall clock (default), or the wall clock alone (for I/O). */
  readonly clock?: 'cpu' | 'wall';
  setup?(): Promise<C>;
  /** Throws a Finding (or anything a decoder threw) when the input shows a defect. */
  check(input: T, context: C): void | Promise<void>;
  /** After every input: checks of the whole run (e.g. an audit) and cleanup; runs even when the run failed. */
  finish?(context: C): Promise<Finding[]>;
  describe?(input: T): string;
}

export interface RunOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Time for generating and checking inputs, before shrinking and finish. */
  readonly budgetMs: number;
  readonly inputMs?: number;
  /** Time for shrinking the examples, all of them together. */
  readonly shrinkMs: number;
  /** Replay one input (a path a report printed). */
  readonly path?: string;
  /** Told each input's index as it starts (the watchdog's heartbeat); -1 while shrinking. */
  readonly onInput?: (index: number) => void;
  readonly onPhase?: (phase: 'setup' | 'inputs' | 'shrink' | 'finish') => void;
}

export interface Example {
  readonly kind: FindingKind;
  readonly signature: string;
  message: string;
  /** Index of the input in the run (-1: a check after every input). */
  readonly index: number;
  readonly input: string;
  shrunk?: string;
  /** fast-check path of the shrunk input: `--path` replays it. */
  path?: string;
}

export interface TargetReport {
  readonly target: string;
  readonly seed: number;
  readonly inputs: number;
  readonly counts: Record<FindingKind, number>;
  readonly examples: Example[];
  readonly elapsedMs: number;
  /** The budget ran out before numRuns inputs. */
  readonly interrupted: boolean;
}

/** Distinct findings of one kind kept (and shrunk) per target; the rest are counted. */
const examplesPerKind = 4;
const inputCharsMax = 1500;

/**
 * What makes two findings the same defect: the kind and the message without its numbers, hashes,
 * quoted texts and bracketed lists. Shrinking keeps to one signature, so it does not drift to another defect.
 */
export function signatureOf(finding: Finding): string {
  const gist = finding.message
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/0x[0-9a-f]+|[0-9a-f]{6,}…?|\d+/g, '#');
  return `${finding.kind}:${gist.slice(0, 80)}`;
}

/** A text cut to `max` characters, with anything outside printable ASCII escaped so a report shows it. */
export function clip(text: string, max = inputCharsMax): string {
  const cut = text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Runs one target: counts every input's findings, shrinks the first of each kind, then finishes. */
export async function runTarget<T, C>(target: Target<T, C>, options: RunOptions): Promise<TargetReport> {
  const started = performance.now();
  const inputMs = options.inputMs ?? target.inputMs;
  const describe = (input: T) => {
    try {
      return clip(target.describe?.(input) ?? fc.stringify(input));
    } catch {
      return clip(fc.stringify(input));
    }
  };
  const counts: Record<FindingKind, number> = { crash: 0, uncoded: 0, hang: 0, divergence: 0 };
  const examples: Example[] = [];
  const seen = new Set<string>();
  const note = (finding: Finding, index: number, input: string) => {
    counts[finding.kind]++;
    const signature = signatureOf(finding);
    if (seen.has(signature) || examples.filter((e) => e.kind === finding.kind).length >= examplesPerKind) return;
    seen.add(signature);
    examples.push({ kind: finding.kind, signature, message: clip(finding.message, 600), index, input });
  };

  // For targets that compute, the lesser of the wall clock and the process's CPU time: a machine
  // shared with other work stretches the first, the compiler's and collector's threads the second;
  // an input that really is slow stretches both.
  const cpuMs = () => process.cpuUsage().user / 1000;
  const timed = async (input: T, context: C): Promise<{ finding: Finding | undefined; ms: number }> => {
    const [wall0, cpu0] = [performance.now(), cpuMs()];
    let finding: Finding | undefined;
    try {
      await target.check(input, context);
    } catch (error) {
      finding = findingOf(error);
    }
    const wall = performance.now() - wall0;
    return { finding, ms: target.clock === 'wall' ? wall : Math.min(wall, cpuMs() - cpu0) };
  };
  const judge = async (input: T, context: C, limitMs = inputMs): Promise<Finding[]> => {
    const { finding, ms } = await timed(input, context);
    const findings = finding === undefined ? [] : [finding];
    // A pause of the machine is not a hang: a pure target's slow input must be slow twice.
    if (ms > limitMs && (!target.pure || (await timed(input, context)).ms > limitMs)) {
      findings.push(
        new Finding(
          'hang',
          `one input took ${Math.round(ms)} ms${target.clock === 'wall' ? '' : ' (of CPU and of wall clock)'}, more than the ${inputMs} ms budget of an input`,
        ),
      );
    }
    return findings;
  };

  let context: C | undefined;
  let inputs = 0;
  let interrupted = false;
  try {
    options.onPhase?.('setup');
    context = (await target.setup?.()) as C;
    options.onPhase?.('inputs');
    let index = 0;
    // fast-check's time limit can end a run while an input is still being judged: the target is
    // torn down only once that one is done, or it would see its own teardown (a stopping node).
    let judging: Promise<unknown> = Promise.resolve();
    const property = fc.asyncProperty(target.arbitrary, async (input) => {
      const at = index++;
      options.onInput?.(at);
      const judged = judge(input, context!);
      judging = judged.catch(() => undefined);
      for (const finding of await judged) note(finding, at, describe(input));
      return true;
    });
    const replay = options.path === undefined ? {} : { path: options.path, numRuns: 1 };
    const details = await fc.check(property, { seed: options.seed, numRuns: options.numRuns, interruptAfterTimeLimit: options.budgetMs, ...replay });
    await judging;
    inputs = index;
    interrupted = details.interrupted;
    if (details.failed) throw details.errorInstance;
    options.onPhase?.('shrink');
    const shrinkUntil = performance.now() + options.shrinkMs;
    for (const example of examples.filter((e) => e.index >= 0)) {
      const leftMs = shrinkUntil - performance.now();
      if (leftMs <= 0) break;
      // A slow input shrinks, if it can, to one twice as slow as the budget: still slow when replayed.
      const shrunk =
        example.kind === 'hang' &&
        (await shrink(target, example, { ...options, shrinkMs: leftMs / 2 }, (input) => judge(input, context!, 2 * inputMs), describe));
      if (!shrunk) await shrink(target, example, { ...options, shrinkMs: shrinkUntil - performance.now() }, (input) => judge(input, context!), describe);
    }
  } catch (error) {
    note(findingOf(error) ?? new Finding('crash', String(error)), -1, '(the harness, outside any input)');
  } finally {
    options.onPhase?.('finish');
    try {
      for (const finding of (await target.finish?.(context as C)) ?? []) note(finding, -1, '(after every input)');
    } catch (error) {
      note(findingOf(error) ?? new Finding('crash', String(error)), -1, '(after every input)');
    }
  }
  return { target: target.name, seed: options.seed, inputs, counts, examples, elapsedMs: performance.now() - started, interrupted };
}

/** Replays an example's input and lets fast-check shrink it while it still shows the same finding. */
async function shrink<T, C>(
  target: Target<T, C>,
  example: Example,
  options: RunOptions,
  judge: (input: T) => Promise<Finding[]>,
  describe: (input: T) => string,
): Promise<boolean> {
  let message = example.message;
  const property = fc.asyncProperty(target.arbitrary, async (input) => {
    options.onInput?.(-1);
    const found = (await judge(input)).find((f) => signatureOf(f) === example.signature);
    if (found !== undefined) message = found.message;
    return found === undefined;
  });
  const path = options.path ?? String(example.index);
  const details = await fc.check(property, { seed: options.seed, path, numRuns: 1, interruptAfterTimeLimit: options.shrinkMs });
  if (!details.failed || details.counterexample === null) return false;
  example.shrunk = describe(details.counterexample[0]);
  example.path = details.counterexamplePath ?? path;
  // The message of the last failing run: the shrunk input's, unless shrinking was cut short.
  example.message = clip(message, 600);
  return true;
}
