import { setTimeout as sleep } from 'node:timers/promises';
import type { JobEvent, Payout } from '../../projections/index.ts';
import { AinError, isAinError, parseOrThrow, RequestJobOp } from '../../schemas/index.ts';
import { callNode } from '../client/index.ts';
import { parseJson } from './argValues.ts';
import { followStream } from '../client/index.ts';
import type { CommandContext } from './main.ts';
import { printJson } from './output.ts';
import { requestDryRun } from './requestDryRun.ts';
import { capitalized, payoutLine, roleIn } from './payoutLine.ts';
import { signAndSubmit, type TxLanded } from '../client/index.ts';
import { parseTxVerbArgs, positionalsOf, txVerbOf, txWaitMsDefault } from './txVerb.ts';

/** A request as `GET /v1/jobs/<id>` serves it (the fields this command reads). */
interface RequestView {
  readonly state: string;
  readonly client: string;
  readonly evaluator: string | null;
  readonly workers: Readonly<Record<string, unknown>>;
  readonly ranking: readonly string[];
  readonly results: Readonly<Record<string, unknown>>;
}

const followWaitMsDefault = 10 * 60_000;
const pollMs = 250;
const transientCodes = new Set(['NODE_UNREACHABLE', 'OVERLOADED', 'SHUTTING_DOWN']);

/** The op from the paper's JSON argument; the reward's amounts may be written as whole numbers, as the paper does (`"reward": [10, 10]`). */
function requestOp(text: string | undefined) {
  const value = parseJson(text ?? '', 'the request');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AinError(
      'BAD_SCHEMA',
      'The request must be a JSON object, e.g. {"job_id":"<job id>","job_input":{"y":4},"reward":["10","10"],"time_limit":60000}.',
    );
  }
  const { reward } = value as { reward?: unknown };
  const amounts = Array.isArray(reward) ? reward.map((r) => (Number.isSafeInteger(r) ? String(r) : r)) : reward;
  return parseOrThrow(RequestJobOp, { ...value, type: 'requestJob', reward: amounts }, 'requestJob');
}

type EndEvent = Extract<JobEvent, { type: 'settled' | 'refunded' }>;

/** What a job event of the request says, as `state: detail` when it moves the request, and the state after it. */
function describe(event: JobEvent, state: string): { line?: string; state: string } {
  switch (event.type) {
    case 'accepted':
      if (event.role === 'evaluator') return { line: `accepted: evaluator ${event.node} took the request; its time limit runs`, state: 'accepted' };
      return state === 'running' ? { line: `  worker ${event.node} accepted`, state } : { line: `running: worker ${event.node} accepted`, state: 'running' };
    case 'submitted':
      return { line: `  worker ${event.node} submitted a result`, state };
    case 'ranked':
      return { line: `ranked: ${event.ranking.join(', ')} (best first, by evaluator ${event.evaluator})`, state: 'ranked' };
    case 'challenged':
      return {
        line: `challenged: ${event.challenger === event.client ? 'the client' : `worker ${event.challenger}`} disputes the ranking; the evaluator's parent admin resolves it`,
        state: 'challenged',
      };
    case 'challengeResolved':
      if (event.ranking !== undefined)
        return { line: `ranked: the challenge was upheld by ${event.resolver}, re-ranked ${event.ranking.join(', ')} (best first)`, state: 'ranked' };
      return event.upheld
        ? { line: `  the challenge was upheld by ${event.resolver}`, state }
        : { line: `ranked: the challenge was rejected by ${event.resolver}; the ranking stands`, state: 'ranked' };
    case 'blindChallenged':
      return {
        line: `blindChallenged: ${event.eligible} admins outside the evaluator's branch may judge it; ${event.quorum} agreeing verdicts decide (reward ${event.reward})`,
        state: 'blindChallenged',
      };
    case 'blindVerdict':
      return { line: `  admin ${event.admin} ${event.uphold ? 'upholds' : 'rejects'} the blind challenge`, state };
    case 'blindChallengeResolved':
      return event.outcome === 'upheld'
        ? { line: `  the blind challenge was upheld by ${event.agreed.join(', ')}`, state }
        : { line: `ranked: the blind challenge was ${event.outcome === 'lapsed' ? 'not judged in time' : 'rejected'}; the ranking stands`, state: 'ranked' };
    default:
      return { state };
  }
}

/** Block time moves these states on without a job event: a read of the request shows it. */
const silentSteps: Record<string, { to: string; line: (view: RequestView) => string }> = {
  running: { to: 'ranking', line: (view) => `ranking: the time limit passed with ${Object.keys(view.results).length} result(s); the evaluator ranks them` },
  challenged: { to: 'ranked', line: () => 'ranked: nobody resolved the challenge in time; the ranking stands' },
};

/**
 * Follows the request on the node's `jobs/<request>` stream from its block (so no step is missed,
 * however fast), printing each step, until it settles or is refunded or `deadlineMs` (clock
 * time) passes. Steps block time takes without an event are seen by reading the request.
 */
async function follow(
  nodeUrl: string,
  request: string,
  fromHeight: number,
  deadlineMs: number,
  say: (line: string) => void,
): Promise<{ state: string; end?: EndEvent }> {
  const aborter = new AbortController();
  const timer = setTimeout(() => aborter.abort(), Math.max(0, deadlineMs - Date.now()));
  const events = followStream(nodeUrl, `jobs/${request}`, { fromHeight, signal: aborter.signal });
  let state = 'requested';
  try {
    let next = events.next();
    for (;;) {
      const got = await Promise.race([next, sleep(pollMs).then(() => undefined)]);
      if (got === undefined) {
        const silent = silentSteps[state];
        if (silent === undefined) continue;
        // A node briefly away is the stream's to retry (bounded); this read waits for the next tick.
        const view = await callNode<RequestView>(nodeUrl, 'GET', `/v1/jobs/${request}`).catch((error: unknown) => {
          if (isAinError(error) && transientCodes.has(error.code)) return undefined;
          throw error;
        });
        if (view?.state === silent.to) {
          say(silent.line(view));
          state = silent.to;
        }
        continue;
      }
      if (got.done === true) return { state };
      next = events.next();
      for (const event of (got.value.data as { events: JobEvent[] }).events) {
        if (!('request' in event) || event.request !== request) continue;
        if (event.type === 'settled' || event.type === 'refunded') return { state: event.type, end: event };
        const step = describe(event, state);
        if (step.line !== undefined) say(step.line);
        state = step.state;
      }
    }
  } finally {
    clearTimeout(timer);
    aborter.abort();
    await events.return(undefined);
  }
}

/** Who received what, the rewards first as the paper prints them (payoutLine.ts), each payee by its role and whole address. */
function paidLine(view: RequestView, payouts: readonly Payout[]): string {
  const parties = { client: view.client, evaluator: view.evaluator, workers: Object.keys(view.workers) };
  return payoutLine(payouts, parties, (to) => `${roleIn(parties, to)} ${to}`);
}

/** The paper's closing lines: the best result, who took part, who received what. */
function summary(view: RequestView, end: EndEvent): string[] {
  const best = view.ranking[0];
  const lines = [`${end.type} in block ${end.height}`];
  if (best !== undefined && view.results[best] !== undefined) lines.push(`Result (best, from ${best}): ${JSON.stringify(view.results[best])}`);
  if (end.type === 'refunded') lines.push(`Refunded (${end.reason}): ${paidLine(view, end.payouts)}.`);
  else lines.push(`Total ${Object.keys(view.workers).length} workers participated. ${capitalized(paidLine(view, end.payouts))}.`);
  return lines;
}

/**
 * `ain requestJob '{"job_id":…,"job_input":{…},"reward":["10","10"],"time_limit":60000}' --key FILE
 * [--node URL] [--wait-ms N] [--no-wait] [--dry-run]`: requests a job, prints the request id, then
 * follows the request until it settles (the results and payouts) or is refunded (exit 1).
 * `--dry-run` signs and sends nothing: it prints what the request would lock and find (requestDryRun.ts).
 */
export async function requestJobCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { 'no-wait': { type: 'boolean' }, 'dry-run': { type: 'boolean' } });
  const [text] = positionalsOf(
    'requestJob',
    'the request as one JSON argument: \'{"job_id":…,"job_input":{…},"reward":["10","10"],"time_limit":60000}\' (reward: [evaluator, workers])',
    positionals,
    1,
  );
  const op = requestOp(text);
  const verb = await txVerbOf('requestJob', values, context, followWaitMsDefault);
  if (values['dry-run'] === true) {
    const dry = await requestDryRun(verb.nodeUrl, verb.key.address, op, (line) => verb.json || process.stdout.write(line + '\n'));
    if (verb.json) printJson(dry);
    return;
  }
  const startedMs = Date.now();
  const landed: TxLanded = await signAndSubmit({ nodeUrl: verb.nodeUrl, key: verb.key, op, waitMs: Math.min(verb.waitMs, txWaitMsDefault) });
  const request = landed.hash;
  const say = (line: string) => verb.json || process.stdout.write(line + '\n');
  say(`Request ID is ${request} (block ${landed.height}).`);
  if (values['no-wait'] === true) {
    if (verb.json) printJson({ id: request, ...landed });
    return;
  }
  const { state, end } = await follow(verb.nodeUrl, request, landed.height, startedMs + verb.waitMs, say);
  if (end === undefined) {
    if (verb.json) printJson({ id: request, ...landed, done: false, state });
    process.stderr.write(`ain: request ${request} is still ${state} after ${verb.waitMs} ms; follow it with "ain watch jobs/${request}".\n`);
    process.exitCode = 1;
    return;
  }
  const view = await callNode<RequestView>(verb.nodeUrl, 'GET', `/v1/jobs/${request}`);
  if (verb.json) printJson({ id: request, ...landed, done: true, request: view, payouts: end.payouts });
  else for (const line of summary(view, end)) say(line);
  // A refund ends the request without a result the client accepted.
  if (end.type === 'refunded') process.exitCode = 1;
}
