import { ownEntry, type JobDashboard } from '../../projections/index.ts';
import { jobPaths, readJobSchema, readRequest, type JobSchemaRecord } from '../job/index.ts';
import type { ExplainInput, JobExplanation } from './explanation.ts';
import { jobRoleStanding, nodesOf } from './nodeStandings.ts';
import { refusalSentences, refusalsOf } from './refusals.ts';
import { jobRoleSentences } from './roleSentences.ts';
import { clock, listWords, plural, shortId, when } from './words.ts';

/** Next deadlines of a job's open requests named, at most. */
const nextDeadlinesMax = 3;

/**
 * The soonest deadlines of the job's open requests: the ledger's deadline index walked in block
 * time order, each request taken when the dashboard lists it open in this job (no request is read
 * until it is one of them).
 */
function nextDeadlinesOf(input: ExplainInput, board: JobDashboard | undefined): JobExplanation['requests']['nextDeadlines'] {
  if (board === undefined || board.openRequests === 0) return [];
  const found: { request: string; state: JobExplanation['requests']['nextDeadlines'][number]['state']; at: number; inMs: number }[] = [];
  const times = input.tree
    .keys(jobPaths.deadlines)
    .map(Number)
    .sort((a, b) => a - b);
  for (const at of times) {
    for (const request of input.tree.keys(`${jobPaths.deadlines}/${at}`).sort()) {
      if (ownEntry(board.open, request) === undefined) continue;
      const state = readRequest(input.tree, request)?.state;
      if (state !== undefined) found.push({ request, state, at, inMs: at - input.time });
      if (found.length >= nextDeadlinesMax) return found;
    }
  }
  return found;
}

function requirementsText(requirements: JobSchemaRecord['op']['requirements']): string | null {
  if (requirements === undefined) return null;
  const parts = [
    requirements.cpu === undefined ? null : plural(requirements.cpu, 'CPU'),
    requirements.memory_mb === undefined ? null : `${requirements.memory_mb} MB of memory`,
    requirements.gpu === undefined ? null : plural(requirements.gpu, 'GPU'),
    requirements.storage_mb === undefined ? null : `${requirements.storage_mb} MB of disk`,
  ].filter((p): p is string => p !== null);
  return parts.length === 0 ? null : `Its workers need ${listWords(parts)}.`;
}

/**
 * A job as the ledger and read models have it after the latest block: who registered it and
 * when, its requests (open, settled, refunded) and the next deadlines among the open ones, its
 * evaluators and workers (approved, busy, dropped, waiting for approval, and those whose reported
 * machine is short of its requirements), and every tx naming it that was refused. Pure; null for
 * an id that is no job.
 * @example explainJob({ tree, height, readModels, time: latestBlockTime }, jobId)?.sentences
 */
export function explainJob(input: ExplainInput, id: string): JobExplanation | null {
  const schema = readJobSchema(input.tree, id);
  if (schema === null) return null;
  const now = input.time;
  const board = ownEntry(input.readModels.dashboard.jobs, id);
  const requests = {
    total: board?.requests ?? 0,
    open: board?.openRequests ?? 0,
    settled: board?.settled ?? 0,
    refunded: board?.refunded ?? 0,
    nextDeadlines: nextDeadlinesOf(input, board),
  };
  const nodes = nodesOf(input, id);
  const evaluators = jobRoleStanding(input, id, schema, nodes, 'evaluator');
  const workers = jobRoleStanding(input, id, schema, nodes, 'worker');
  const refused = refusalsOf(input, id);
  const requirements = requirementsText(schema.op.requirements);
  const sentences = [
    `Job ${id} was registered by ${schema.admin} at ${when(schema.registeredAt, now)}, as of block ${input.height} (${clock(now)}).`,
    ...(requirements === null ? [] : [requirements]),
    `It has had ${plural(requests.total, 'request')}: ${requests.open} open, ${requests.settled} settled, ${requests.refunded} refunded.`,
    ...jobRoleSentences(evaluators),
    ...jobRoleSentences(workers),
    ...requests.nextDeadlines.map(
      (d, i) => `${i === 0 ? 'The next deadline' : 'Then one'} of its open requests passes at ${when(d.at, now)}: request ${shortId(d.request)}, ${d.state}.`,
    ),
    ...refusalSentences(refused, 'job'),
  ];
  return {
    kind: 'job',
    id,
    admin: schema.admin,
    registeredAt: schema.registeredAt,
    height: input.height,
    time: now,
    requirements: schema.op.requirements ?? null,
    requests,
    evaluators,
    workers,
    refused,
    sentences,
  };
}
