import { parseArgs } from 'node:util';
import { AinError, isAinError, type JobEvent, type Payout } from '../../schemas/index.ts';
import { getJobOrRequest, listRequests, readRequestHistory, type ListRequestsParameters, type RequestHistory } from '../client/index.ts';
import { defaultNodeUrl, wholeNumber } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError, verbError } from './output.ts';
import { requestNodes, rewardText, type NodeStep, type RequestNode, type RequestView } from './requestNodes.ts';
import { shortId, table, timeText } from './table.ts';
import { positionalsOf } from './txVerb.ts';

/** A request as `GET /v1/requests` lists it. */
interface RequestSummary {
  readonly id: string;
  readonly job: string;
  readonly client: string;
  readonly state: string;
  readonly requestedAt: number;
  readonly reward: readonly [string, string];
  readonly rewardFunction: string;
  readonly rewardWeights: readonly number[] | null;
  readonly workers: readonly string[];
}

interface RequestsPage {
  readonly height: number;
  readonly requests: readonly RequestSummary[];
  readonly next: string | null;
}

/** Pages a list reads at most, whatever `--limit` asks (each page reads 10,000 requests at most). */
const pagesMax = 1000;

/** `ain requests ls [--job JOB] [--client ADDR] [--state STATE] [--limit N] [--node URL]`: job requests, newest first. */
async function list(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      node: { type: 'string', default: defaultNodeUrl },
      job: { type: 'string' },
      client: { type: 'string' },
      state: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  positionalsOf('requests ls', 'no arguments, only flags (--job, --client, --state, --limit, --node)', positionals, 0);
  const limit = wholeNumber(values.limit, 'limit') ?? 100;
  if (limit < 1) throw new UsageError('--limit must be at least 1.');
  const requests: RequestSummary[] = [];
  let page: RequestsPage | undefined;
  for (let pages = 0; pages < pagesMax && requests.length < limit && (page === undefined || page.next !== null); pages++) {
    page = await listRequests(
      { url: values.node },
      {
        limit: Math.min(1000, limit - requests.length),
        job: values.job,
        client: values.client,
        state: values.state as ListRequestsParameters['state'],
        after: page?.next ?? undefined,
      },
    );
    requests.push(...page.requests);
  }
  if (json) return printJson({ height: page!.height, requests, next: page!.next });
  if (requests.length === 0) {
    process.stdout.write('No request matches.\n');
    return;
  }
  const newestFirst = [...requests].sort((a, b) => b.requestedAt - a.requestedAt || (a.id < b.id ? -1 : 1));
  const rows = newestFirst.map((r) => [r.id, r.state, timeText(r.requestedAt), shortId(r.job), shortId(r.client), String(r.workers.length), rewardText(r)]);
  process.stdout.write(table(['id', 'state', 'requested', 'job', 'client', 'workers', 'reward'], rows) + '\n');
  if (page!.next !== null) process.stdout.write(`… more after ${page!.next}: ain requests ls --limit ${limit * 2}\n`);
}

const who = (address: string): string => shortId(address);
const paid = (payouts: readonly Payout[]): string => payouts.map((p) => `${who(p.to)} ${p.amount} (${p.kind})`).join(', ');

/** One history row's words for an event of the request. */
function detailOf(event: JobEvent): string {
  switch (event.type) {
    case 'requested':
      return `by ${who(event.client)}, reward ${event.reward} in escrow`;
    case 'accepted':
      return event.role === 'evaluator' ? `evaluator ${who(event.node)}; its deposit is locked and the time limit runs` : `worker ${who(event.node)}`;
    case 'submitted':
      return `worker ${who(event.node)}, ${event.responseMs} ms after its accept`;
    case 'workerRejected':
      return `worker ${who(event.node)}, by the client${event.reason === undefined ? '' : `: ${event.reason}`}`;
    case 'ranked':
      return `by ${who(event.evaluator)}: ${event.ranking.map(who).join(', ')} (best first)`;
    case 'challenged':
      return event.challenger === event.client ? `by the client ${who(event.client)}` : `by worker ${who(event.challenger)}`;
    case 'challengeResolved':
      return `${event.upheld ? 'upheld' : 'rejected'} by ${who(event.resolver)}${event.ranking === undefined ? '' : `, re-ranked ${event.ranking.map(who).join(', ')}`}${event.payouts.length === 0 ? '' : `; ${paid(event.payouts)}`}`;
    case 'challengerPenalized':
      return `worker ${who(event.node)}: ${event.rejected} of its challenges in the job rejected, its reputation drops`;
    case 'blindChallenged':
      return `by the client ${who(event.client)}, reward ${event.reward}: ${event.quorum} of ${event.eligible} admins outside the evaluator's branch decide`;
    case 'blindVerdict':
      return `admin ${who(event.admin)} ${event.uphold ? 'upholds' : 'rejects'}`;
    case 'blindChallengeResolved':
      return `${event.outcome}${event.agreed.length === 0 ? '' : ` by ${event.agreed.map(who).join(', ')}`}; ${paid(event.payouts)}`;
    case 'settled':
      return `${event.latencyMs} ms after the request; ${paid(event.payouts)}`;
    case 'refunded':
      return `${event.reason}; ${paid(event.payouts)}`;
    default:
      return '';
  }
}

const at = (step: NodeStep | undefined): string => (step === undefined ? '-' : `${step.height ?? '?'} ${timeText(step.time)}`);

/** The lines of `ain requests show`: the request, one row per node that took it, and its history. */
function requestText(view: RequestView, history: RequestHistory | undefined, nodes: readonly RequestNode[]): string {
  const last = history?.events.at(-1);
  const final = view.state === 'settled' || view.state === 'refunded';
  const lines = [
    `Request     ${view.id}`,
    `Job         ${view.job}`,
    `Client      ${view.client}`,
    `State       ${view.state}${final && last !== undefined ? ` (block ${last.height}, ${timeText(last.time)})` : ''}`,
    `Requested   ${timeText(view.requestedAt)}${history === undefined ? '' : ` (block ${history.from})`}`,
    `Input       ${JSON.stringify(view.input)}`,
    `Reward      ${rewardText(view)}; fee ${view.fee}, challenge fee ${view.challengeFee}`,
    `Time limit  ${view.timeLimitMs} ms${final ? '' : `; the current step's deadline passes at ${timeText(view.deadline)} (block time)`}`,
  ];
  if (view.evaluator !== null) lines.push(`Evaluator   ${view.evaluator} (deposit ${view.deposit})`);
  if (view.ranking.length > 0) lines.push(`Ranking     ${view.ranking.join(', ')}`);
  if (view.refundReason !== null) lines.push(`Refunded    ${view.refundReason}`);
  lines.push('', 'Nodes');
  lines.push(
    nodes.length === 0
      ? '  none has accepted it yet'
      : table(
          ['role', 'address', 'status', 'accepted', 'submitted', 'result', 'paid'],
          nodes.map((n) => [
            n.role,
            n.address,
            n.status,
            at(n.accepted),
            at(n.submitted),
            resultText(n.result),
            n.paid.length === 0 ? '-' : n.paid.map((p) => `${p.amount} (${p.kind})`).join(', '),
          ]),
        ),
  );
  lines.push('', 'History');
  if (history === undefined) lines.push("  this node's blocks do not hold the request's block; ain audit --data DIR replays them all");
  else {
    lines.push(
      table(
        ['height', 'time', 'event', 'detail'],
        history.events.map((e) => [String(e.height), timeText(e.time), e.type, detailOf(e)]),
      ),
    );
    if (history.truncated) lines.push(`  … read up to block ${history.to}; the request goes on after it`);
    else if (!history.ended) lines.push(`  … open: follow it with ain watch jobs/${view.id} --from ${history.to + 1}`);
  }
  return lines.join('\n') + '\n';
}

const clip = (text: string, charsMax = 48): string => (text.length > charsMax ? `${text.slice(0, charsMax - 1)}…` : text);

/** A result in a column: a blob's reference cut short (ain result fetches it), inline JSON clipped. */
function resultText(result: unknown): string {
  if (result === undefined) return '-';
  if (typeof result === 'string' && /^blob:\/\/sha256:[0-9a-f]{64}$/.test(result)) return `${result.slice(0, 'blob://sha256:'.length + 12)}…`;
  return clip(JSON.stringify(result));
}

/** `ain requests show REQUEST [--node URL]`: the request, its nodes and its history, as Bacalhau's `describe`. */
async function show(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { node: { type: 'string', default: defaultNodeUrl } } });
  const [id] = positionalsOf('requests show', 'a request id', positionals, 1);
  const view = await getJobOrRequest({ url: values.node }, { id: id! });
  if (view.kind !== 'request') throw new AinError('UNKNOWN_JOB', `${id} is a job schema, not a job request; see it with "ain jobs show ${id}".`);
  // A node whose history lacks the request's block still shows the request as the ledger holds it.
  const history = await readRequestHistory(values.node, view.id).catch((error: unknown) => {
    if (isAinError(error, 'NOT_FOUND')) return undefined;
    throw error;
  });
  const nodes = requestNodes(view, history?.events ?? []);
  if (json) printJson({ request: view, history: history ?? null, nodes });
  else process.stdout.write(requestText(view, history, nodes));
}

/** `ain requests ls …` and `ain requests show REQUEST`: reads of job requests. */
export async function requestsCommand(args: string[], context: CommandContext): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'ls') return list(rest, context);
  if (verb === 'show') return show(rest, context);
  throw verbError('requests', verb, `use "ain requests ls" or "ain requests show REQUEST".`);
}
