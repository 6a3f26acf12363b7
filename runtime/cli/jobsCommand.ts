import { parseArgs } from 'node:util';
import { AinError } from '../../schemas/index.ts';
import { getJobOrRequest, listJobs, type ListJobsParameters } from '../client/index.ts';
import { defaultNodeUrl, wholeNumber } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError, verbError } from './output.ts';
import { shortId, table, timeText } from './table.ts';
import { positionalsOf } from './txVerb.ts';

/** A job's figures as `GET /v1/jobs` serves them (the fields shown here). */
interface JobDashboardView {
  readonly requests: number;
  readonly openRequests: number;
  readonly settled: number;
  readonly refunded: number;
  readonly challenged: number;
  readonly workersBusy: number;
  readonly dropped: number;
  readonly rewardsPaid: string;
  readonly feesPaid: string;
  readonly latency: { readonly p50Ms: number | null; readonly p95Ms?: number | null; readonly p99Ms: number | null };
}

interface JobSummary {
  readonly id: string;
  readonly admin: string;
  readonly registeredAt: number;
  readonly state: string;
  readonly stats: string;
  readonly dashboard: JobDashboardView | null;
}

interface JobsPage {
  readonly height: number;
  readonly jobs: readonly JobSummary[];
  readonly next: string | null;
}

/** `GET /v1/jobs/<id>` of a job schema (a request's answer has `kind: "request"`). */
interface JobView extends JobSummary {
  readonly kind: 'job' | 'request';
  readonly height: number;
  readonly spec: { readonly worker?: string; readonly evaluator?: string; readonly fee?: string; readonly challenge_fee?: string };
  readonly nodes: readonly { readonly address: string; readonly state: string; readonly role: string; readonly parent: string | null }[];
}

/** Pages a list reads at most, whatever `--limit` asks. */
const pagesMax = 1000;

/** `ain jobs ls [--state open|ready|unstaffed] [--limit N] [--node URL]`: the registered job schemas, one line each. */
async function list(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { node: { type: 'string', default: defaultNodeUrl }, state: { type: 'string' }, limit: { type: 'string' } },
  });
  positionalsOf('jobs ls', 'no arguments, only flags (--state, --limit, --node)', positionals, 0);
  const limit = wholeNumber(values.limit, 'limit') ?? 100;
  if (limit < 1) throw new UsageError('--limit must be at least 1.');
  const jobs: JobSummary[] = [];
  let page: JobsPage | undefined;
  for (let pages = 0; pages < pagesMax && jobs.length < limit && (page === undefined || page.next !== null); pages++) {
    page = await listJobs(
      { url: values.node },
      { limit: Math.min(1000, limit - jobs.length), state: values.state as ListJobsParameters['state'], after: page?.next ?? undefined },
    );
    jobs.push(...page.jobs);
  }
  if (json) return printJson({ height: page!.height, jobs, next: page!.next });
  if (jobs.length === 0) {
    process.stdout.write(values.state === undefined ? 'No job is registered.\n' : `No job is ${values.state}.\n`);
    return;
  }
  const rows = jobs.map((j) => [
    j.id,
    j.state,
    shortId(j.admin),
    timeText(j.registeredAt),
    String(j.dashboard?.openRequests ?? 0),
    String(j.dashboard?.settled ?? 0),
    String(j.dashboard?.refunded ?? 0),
    j.stats,
  ]);
  process.stdout.write(table(['id', 'state', 'admin', 'registered', 'open', 'settled', 'refunded', 'stats'], rows) + '\n');
  if (page!.next !== null) process.stdout.write(`… more after ${page!.next}: ain jobs ls --limit ${limit * 2}\n`);
}

/** The lines of `ain jobs show`: the job, its figures, and one row per node. */
function jobText(job: JobView): string {
  const d = job.dashboard;
  const lines = [
    `Job         ${job.id}`,
    `State       ${job.state}`,
    `Admin       ${job.admin}`,
    `Registered  ${timeText(job.registeredAt)}`,
    `Stats       ${job.stats}`,
  ];
  if (job.spec.fee !== undefined || job.spec.challenge_fee !== undefined)
    lines.push(`Fees        ${job.spec.fee ?? '0'} a request, ${job.spec.challenge_fee ?? '0'} a challenge`);
  for (const program of ['worker', 'evaluator'] as const) {
    const ref = job.spec[program];
    if (ref !== undefined) lines.push(`${program === 'worker' ? 'Worker   ' : 'Evaluator'}   ${ref}`);
  }
  if (d !== null) {
    const latency =
      d.latency.p50Ms === null ? '' : `; settled in ${d.latency.p50Ms} ms (p50), ${d.latency.p95Ms ?? '?'} ms (p95), ${d.latency.p99Ms} ms (p99) of block time`;
    lines.push(`Requests    ${d.requests}: ${d.openRequests} open, ${d.settled} settled, ${d.refunded} refunded, ${d.challenged} challenged${latency}`);
    lines.push(`Paid        ${d.rewardsPaid} in rewards, ${d.feesPaid} in fees; ${d.workersBusy} workers busy now, ${d.dropped} dropped`);
  }
  lines.push('', 'Nodes');
  lines.push(
    job.nodes.length === 0
      ? '  none has applied yet'
      : table(
          ['address', 'role', 'state', 'parent'],
          job.nodes.map((n) => [n.address, n.role, n.state, n.parent ?? '-']),
        ),
  );
  lines.push('', `Its requests: ain requests ls --job ${job.id}`);
  return lines.join('\n') + '\n';
}

/** `ain jobs show JOB [--node URL]`: one job schema, its figures and its nodes. */
async function show(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { node: { type: 'string', default: defaultNodeUrl } } });
  const [id] = positionalsOf('jobs show', 'a job id', positionals, 1);
  const job = await getJobOrRequest({ url: values.node }, { id: id! });
  if (job.kind !== 'job') throw new AinError('UNKNOWN_JOB', `${id} is a job request, not a job schema; see it with "ain requests show ${id}".`);
  if (json) printJson(job);
  else process.stdout.write(jobText(job));
}

/** `ain jobs ls …` and `ain jobs show JOB`: reads of the registered job schemas. */
export async function jobsCommand(args: string[], context: CommandContext): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'ls') return list(rest, context);
  if (verb === 'show') return show(rest, context);
  throw verbError('jobs', verb, `use "ain jobs ls" or "ain jobs show JOB".`);
}
