import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobEvent, Payout } from '../../projections/index.ts';
import { AinError, isAinError, parseOrThrow, RequestJobOp, type OpOf } from '../../schemas/index.ts';
import { explainRequest, getJob, getJobReputation, getRequest } from '../client/index.ts';
import { parseJson, wholeNumber } from './argValues.ts';
import { followStream } from '../client/index.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError } from './output.ts';
import { requestDryRun } from './requestDryRun.ts';
import { capitalized, payoutLine, roleIn } from './payoutLine.ts';
import { encryptBlob, encryptInput, newDataKey, putSmallBlob, signAndSubmit, type TxLanded } from '../client/index.ts';
import { startKeySharer } from '../agents/index.ts';
import { budgetExhausted, requestWithRetries } from './requestRetries.ts';
import { parseTxVerbArgs, positionalsOf, txVerbOf, txWaitMsDefault, type TxVerb } from './txVerb.ts';
import { choosesWorkers, decideWorkerAllowList, workerChoiceOf, type WorkerAllowList, type WorkerChoice } from './workerAllowList.ts';

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
      return event.failure === undefined
        ? { line: `  worker ${event.node} submitted a result`, state }
        : { line: `  worker ${event.node} failed (${event.failure}); ain logs ${event.request} --worker ${event.node} shows why`, state };
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
        const view = await getRequest({ url: nodeUrl }, { id: request }).catch((error: unknown) => {
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

/** How one request ended: its id and block, the state it reached, and the request as the node serves it once it ended. */
interface Requested {
  readonly id: string;
  readonly landed: TxLanded;
  /** False with --no-wait: the request was not followed past its block. */
  readonly followed: boolean;
  readonly state: string;
  readonly end?: EndEvent;
  readonly view?: RequestView;
}

/** A file `--encrypt-blob FIELD=PATH` puts in Big Storage, encrypted, its ref the input's FIELD. */
interface EncryptedBlobFile {
  readonly field: string;
  readonly path: string;
}

/**
 * The input with each `blobs` file encrypted under `dataKey` (bound to the job), put in the node's
 * Big Storage under the signer's quota — readable by anyone, since only the request's nodes get the
 * key — and named by its ref in its field.
 */
async function withEncryptedBlobs(
  verb: TxVerb,
  request: OpOf<'requestJob'>,
  dataKey: Buffer,
  blobs: readonly EncryptedBlobFile[],
  say: (line: string) => void,
) {
  if (blobs.length === 0) return request.job_input;
  const input = { ...(request.job_input as Record<string, unknown>) };
  for (const { field, path } of blobs) {
    const bytes = await readFile(path).catch((error: unknown) => {
      throw new AinError('NOT_FOUND', `--encrypt-blob ${field}=${path}: the file cannot be read (${(error as Error).message}).`);
    });
    input[field] = await putSmallBlob({ nodeUrl: verb.nodeUrl, key: verb.key, bytes: encryptBlob(bytes, dataKey, request.job_id), readers: ['*'] });
    say(`${path} is in Big Storage encrypted, as ${String(input[field])} (the input's ${field}).`);
  }
  return input;
}

/**
 * Signs and submits the request, then follows it to its end or `deadlineMs`, printing each step.
 * `encrypt`: the input goes encrypted under a fresh key, which this process seals to each node
 * that takes the request while it follows it (startKeySharer); so do the `blobs` it names.
 */
async function requestOnce(
  verb: TxVerb,
  request: OpOf<'requestJob'>,
  deadlineMs: number,
  follows: boolean,
  say: (line: string) => void,
  encrypt = false,
  blobs: readonly EncryptedBlobFile[] = [],
): Promise<Requested> {
  const dataKey = encrypt ? newDataKey() : undefined;
  const op =
    dataKey === undefined
      ? request
      : { ...request, job_input: encryptInput(await withEncryptedBlobs(verb, request, dataKey, blobs, say), dataKey, request.job_id) };
  const landed = await signAndSubmit({ nodeUrl: verb.nodeUrl, key: verb.key, op, waitMs: Math.min(Math.max(0, deadlineMs - Date.now()), txWaitMsDefault) });
  const id = landed.hash;
  say(`Request ID is ${id} (block ${landed.height}).`);
  if (!follows) return { id, landed, followed: false, state: 'requested' };
  const sharer =
    dataKey === undefined
      ? undefined
      : startKeySharer({
          nodeUrl: verb.nodeUrl,
          key: verb.key,
          job: op.job_id,
          request: id,
          dataKey,
          fromHeight: landed.height,
          onError: (node, error) => say(`  could not share the input's key with ${node}: ${(error as Error).message}`),
        });
  if (sharer !== undefined) say('The input is encrypted: its key goes, sealed, only to the nodes that take the request.');
  const { state, end } = await follow(verb.nodeUrl, id, landed.height, deadlineMs, say).finally(() => sharer?.stop());
  if (sharer !== undefined) say(`The input's key went to ${sharer.sharedWith.length} node(s): ${sharer.sharedWith.join(', ') || 'none'}.`);
  if (end === undefined) return { id, landed, followed: true, state };
  const view = await getRequest({ url: verb.nodeUrl }, { id });
  for (const line of summary(view, end)) say(line);
  return { id, landed, followed: true, state, end, view };
}

/** What an ended request cost `client`: what it locked less what its payouts gave back. */
function spentBy(client: string, lockedAin: bigint, end: EndEvent | undefined): bigint {
  if (end === undefined) return lockedAin;
  return lockedAin - end.payouts.filter((p) => p.to === client).reduce((t, p) => t + BigInt(p.amount), 0n);
}

/** The sentence the request's explanation gives for its refund, else none. */
async function refundSentence(nodeUrl: string, id: string): Promise<string> {
  const explained = await explainRequest({ url: nodeUrl }, { id }).catch(() => ({ sentences: [] as readonly string[] }));
  return explained.sentences.filter((s) => s.startsWith('It was refunded')).join(' ');
}

/** Attempts `--retry` makes after the first, at most. */
const retriesMax = 100;

const requestJobFlags = {
  'no-wait': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'min-rating': { type: 'string' },
  prefer: { type: 'string', multiple: true },
  avoid: { type: 'string', multiple: true },
  retry: { type: 'string' },
  budget: { type: 'string' },
  encrypt: { type: 'boolean' },
  'encrypt-blob': { type: 'string', multiple: true },
} as const;

/** The request's workers as `--min-rating`, `--prefer` and `--avoid` choose them from the job's reputation (workerAllowList.ts), printed. */
async function withWorkerChoice(
  verb: TxVerb,
  op: OpOf<'requestJob'>,
  choice: WorkerChoice,
  say: (line: string) => void,
): Promise<{ op: OpOf<'requestJob'>; allowList?: WorkerAllowList }> {
  if (!choosesWorkers(choice)) return { op };
  if (op.worker_node !== undefined)
    throw new UsageError('The request names its worker_node already; leave it out to let --min-rating, --prefer and --avoid choose them.');
  const { nodes } = await getJobReputation({ url: verb.nodeUrl }, { job: op.job_id });
  const allowList = decideWorkerAllowList(op.job_id, nodes, choice);
  say(`Workers allowed (worker_node, ${allowList.workers.length}): ${allowList.workers.join(', ')}`);
  for (const { address, why } of allowList.left) say(`  left out: ${address}, ${why}`);
  return { op: { ...op, worker_node: [...allowList.workers] }, allowList };
}

/** The `--encrypt-blob FIELD=PATH` flags, each a top-level field of the object input; only with --encrypt. */
function encryptedBlobFiles(flags: readonly string[], encrypt: boolean, request: OpOf<'requestJob'>): EncryptedBlobFile[] {
  if (flags.length === 0) return [];
  if (!encrypt) throw new UsageError("--encrypt-blob puts a file in Big Storage encrypted under the input's key: give --encrypt with it.");
  const input = request.job_input;
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new UsageError('--encrypt-blob names a field of the job input: the input must be a JSON object.');
  return flags.map((flag) => {
    const at = flag.indexOf('=');
    const field = flag.slice(0, at);
    if (at < 1 || at === flag.length - 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(field))
      throw new UsageError(`--encrypt-blob takes FIELD=PATH (a field name of the input, then a file), not "${flag}".`);
    return { field, path: flag.slice(at + 1) };
  });
}

/**
 * `ain requestJob '{"job_id":…,"job_input":{…},"reward":["10","10"],"time_limit":60000}' --key FILE
 * [--node URL] [--wait-ms N] [--no-wait] [--dry-run] [--min-rating R] [--prefer ADDR]… [--avoid ADDR]…
 * [--retry N [--budget AIN]] [--encrypt]`: requests a job, prints the request id, then follows the request
 * until it settles (the results and payouts) or is refunded (exit 1). `--min-rating`, `--prefer`
 * and `--avoid` make the request's worker allow-list from the job's reputation; `--retry` requests
 * again after a refund; `--encrypt` sends the input encrypted, its key sealed only to the nodes
 * that take the request. `--dry-run` signs and sends nothing: it prints what the request would lock
 * and find (requestDryRun.ts).
 */
export async function requestJobCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, requestJobFlags);
  const [text] = positionalsOf(
    'requestJob',
    'the request as one JSON argument: \'{"job_id":…,"job_input":{…},"reward":["10","10"],"time_limit":60000}\' (reward: [evaluator, workers])',
    positionals,
    1,
  );
  const requested = requestOp(text);
  const choice = workerChoiceOf(values);
  const retries = wholeNumber(values.retry, 'retry') ?? 0;
  if (retries > retriesMax) throw new UsageError(`--retry takes at most ${retriesMax} attempts after the first, not ${retries}.`);
  const budget = wholeNumber(values.budget, 'budget');
  if (budget !== undefined && values.retry === undefined) throw new UsageError('--budget bounds the attempts of --retry; give --retry N with it.');
  if (values.retry !== undefined && values['no-wait'] === true)
    throw new UsageError('--retry follows each request to its end to see a refund; it does not go with --no-wait.');
  const encrypt = values.encrypt === true;
  if (encrypt && values['no-wait'] === true)
    throw new UsageError("--encrypt hands the input's key to each node that takes the request while it follows it; it does not go with --no-wait.");
  const blobs = encryptedBlobFiles(values['encrypt-blob'] ?? [], encrypt, requested);
  const verb = await txVerbOf('requestJob', values, context, followWaitMsDefault);
  const say = (line: string) => verb.json || process.stdout.write(line + '\n');
  const { op, allowList } = await withWorkerChoice(verb, requested, choice, say);
  if (values['dry-run'] === true) {
    const dry = await requestDryRun(verb.nodeUrl, verb.key.address, op, say);
    if (verb.json) printJson(allowList === undefined ? dry : { ...dry, workerAllowList: allowList });
    return;
  }
  const deadlineMs = Date.now() + verb.waitMs;
  const follows = values['no-wait'] !== true;
  if (values.retry === undefined) {
    const once = await requestOnce(verb, op, deadlineMs, follows, say, encrypt, blobs);
    if (verb.json) printJson(answerOf(once));
    endWith(verb, once);
    return;
  }
  const { fee } = (await getJob({ url: verb.nodeUrl }, { id: op.job_id })).spec;
  const lockedAin = BigInt(op.reward[0]) + BigInt(op.reward[1]) + BigInt(fee ?? '0') + BigInt(op.bandwidth ?? '0');
  const budgetAin = budget === undefined ? lockedAin : BigInt(budget);
  const ends: Requested[] = [];
  const outcome = await requestWithRetries({
    retries,
    budgetAin,
    lockedAin,
    say,
    attempt: async () => {
      const once = await requestOnce(verb, op, deadlineMs, true, say, encrypt, blobs);
      ends.push(once);
      const refund = once.end?.type === 'refunded' ? { reason: once.end.reason, why: await refundSentence(verb.nodeUrl, once.id) } : undefined;
      return { id: once.id, state: once.state, ...(refund === undefined ? {} : { refund }), spentAin: spentBy(verb.key.address, lockedAin, once.end) };
    },
  });
  if (verb.json) {
    printJson({
      attempts: ends.map(answerOf),
      stop: outcome.stop,
      spent: outcome.spentAin.toString(),
      budget: budgetAin.toString(),
    });
  }
  if (outcome.stop === 'budget') throw budgetExhausted(outcome, budgetAin, lockedAin);
  const last = ends.at(-1);
  if (last !== undefined) endWith(verb, last);
}

/** A request as `--json` prints it: where it landed and, once it ended, the request and its payouts. */
function answerOf(once: Requested) {
  if (!once.followed) return { id: once.id, ...once.landed };
  if (once.end === undefined) return { id: once.id, ...once.landed, done: false, state: once.state };
  return { id: once.id, ...once.landed, done: true, request: once.view, payouts: once.end.payouts };
}

/** Exit 1 for a request still open when the wait ran out (said on stderr) and for a refund: neither gave the client a result it accepted. */
function endWith(verb: TxVerb, once: Requested): void {
  if (!once.followed) return;
  if (once.end === undefined) {
    process.stderr.write(`ain: request ${once.id} is still ${once.state} after ${verb.waitMs} ms; follow it with "ain watch jobs/${once.id}".\n`);
    process.exitCode = 1;
  } else if (once.end.type === 'refunded') process.exitCode = 1;
}
