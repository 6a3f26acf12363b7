import { ownEntry, type RequestTimes } from '../../projections/index.ts';
import {
  evaluatorBranchOf,
  isInBranch,
  jobPaths,
  parentAdminOf,
  readJobSchema,
  readNode,
  readRequest,
  workersPerRequestMax,
  type JobState,
  type PersistedRequest,
} from '../job/index.ts';
import type { Awaiting, DeadlineView, ExplainInput, RequestExplanation, RoleStanding } from './explanation.ts';
import { nodesOf, requestRoleStanding } from './nodeStandings.ts';
import { refusalSentences, refusalsOf } from './refusals.ts';
import { awaitedRoleSentences, roleCounts } from './roleSentences.ts';
import { clock, listWords, plural, shortId, span, when } from './words.ts';

/** Workers whose run failed and who submitted the failure in place of a result, as a sentence; none when there are none. */
function failedSentences(request: PersistedRequest): string[] {
  const failed = Object.entries(request.context.workers).filter(([, w]) => w.failure !== undefined);
  if (failed.length === 0) return [];
  const each = failed.map(([address, w]) => `${address} (${w.failure!.code})`);
  return [`The run of ${listWords(each)} failed and submitted no result, so it is not ranked; ain logs ${request.context.request} shows why.`];
}

/** The workers whose result is in: a submitted failure is no result. */
const submitted = (request: PersistedRequest) =>
  Object.keys(request.context.workers).filter(
    (w) => request.context.workers[w]!.submittedAt !== undefined && request.context.workers[w]!.failure === undefined,
  );

/** The block time the request entered its state: from the deadline its machine set on entering it, or the index's times. */
function sinceOf({ state, context }: PersistedRequest, times: RequestTimes | undefined): number {
  const { deadline, windows } = context;
  switch (state) {
    case 'requested':
      return context.requestedAt;
    case 'accepted':
      return deadline - context.timeLimitMs;
    case 'running': {
      // The index knows when the first worker accepted; a worker the client rejected since is gone from the context.
      const accepted = Object.values(context.workers).map((w) => w.acceptedAt);
      return times?.runningAt ?? (accepted.length > 0 ? Math.min(...accepted) : context.requestedAt);
    }
    case 'ranking':
      return deadline - windows.rankWindowMs;
    case 'ranked':
      return deadline - windows.claimWindowMs;
    case 'challenged':
      return deadline - windows.resolveWindowMs;
    case 'blindChallenged':
      return context.blind?.openedAt ?? deadline;
    case 'settled':
    case 'refunded':
      return times?.endedAt ?? deadline;
  }
}

/** Where the request goes when block time reaches its deadline, and that as a sentence. */
function deadlineOf(request: PersistedRequest, now: number): DeadlineView | null {
  const { state, context } = request;
  const at = context.deadline;
  const limit = `Its time limit ends at ${when(at, now)}`;
  const view = (then: JobState, text: string): DeadlineView => ({ at, inMs: at - now, then, sentence: text });
  const results = submitted(request).length;
  switch (state) {
    case 'requested':
      return context.skipEvaluation
        ? view('refunded', `${limit}: with no result from a trusted worker by then, it is refunded to the client (noResult).`)
        : view(
            'refunded',
            `${limit}: unless an evaluator accepts it first (which starts the time limit again), it is then refunded to the client (noEvaluator).`,
          );
    case 'accepted':
      return view('refunded', `${limit}: with no worker's result by then, it is refunded to the client (noResult).`);
    case 'running':
      if (context.skipEvaluation) return view('refunded', `${limit}: the first result settles it; with none by then, it is refunded to the client (noResult).`);
      return results > 0
        ? view('ranking', `${limit}: then its evaluator ranks the results, within the rank window of ${span(context.windows.rankWindowMs)}.`)
        : view('refunded', `${limit}: with no result by then, it is refunded to the client (noResult); with one, its evaluator ranks.`);
    case 'ranking':
      return view(
        'refunded',
        `Its rank window ends at ${when(at, now)}: if ${context.evaluator} has not ranked by then, the request is refunded (noRanking) and the evaluator's deposit of ${context.deposit} AIN goes to the client.`,
      );
    case 'ranked':
      return view('settled', `Its claim window ends at ${when(at, now)}: unless the client challenges it first, it then settles as ranked and pays out.`);
    case 'challenged':
      return view(
        'ranked',
        `Its resolve window ends at ${when(at, now)}: if the challenge is not resolved by then, it lapses as rejected (its fee back to ${context.challenger === undefined ? 'the client' : 'the worker'}) and the request is ranked again.`,
      );
    case 'blindChallenged':
      return view(
        'ranked',
        `Its blind window ends at ${when(at, now)}: without a quorum of verdicts by then, the blind challenge lapses (its reward back to the client) and the request is ranked again.`,
      );
    case 'settled':
    case 'refunded':
      return null;
  }
}

function awaitingOf({ state, context }: PersistedRequest): Awaiting {
  switch (state) {
    case 'requested':
      return context.skipEvaluation ? 'workers' : 'evaluator';
    case 'accepted':
      return 'workers';
    case 'running':
      return 'results';
    case 'ranking':
      return 'ranking';
    case 'ranked':
      return 'client';
    case 'challenged':
      return 'resolver';
    case 'blindChallenged':
      return 'admins';
    case 'settled':
    case 'refunded':
      return null;
  }
}

/** The open blind challenge: its terms, the verdicts so far, and the eligible admins who have not given one (8 named at most). */
function blindSentences(input: ExplainInput, request: PersistedRequest): string[] {
  const { context } = request;
  const blind = context.blind!;
  const given = Object.keys(blind.verdicts);
  const upholds = given.filter((admin) => blind.verdicts[admin] === true).length;
  const branch = evaluatorBranchOf(input.tree, context.job, context.evaluator!);
  const waiting = input.tree.keys(jobPaths.nodesOf(context.job)).filter((address) => {
    const node = readNode(input.tree, context.job, address);
    if (node?.state !== 'approved' || node.context.role !== 'admin' || address === context.client || Object.hasOwn(blind.verdicts, address)) return false;
    return node.context.approvedAt! <= blind.openedAt && !isInBranch(input.tree, context.job, branch, address);
  });
  const named = waiting.slice(0, 8);
  return [
    `The client asked the job's admins outside the branch of its admin tree that holds evaluator ${context.evaluator} to judge the ranking blind, for a reward of ${blind.reward} AIN to those whose verdict agrees with the outcome: ${blind.eligible} were eligible, ${blind.quorum} agreeing verdicts decide it.`,
    `So far ${plural(given.length, 'verdict')}: ${upholds} to uphold, ${given.length - upholds} to reject.${
      named.length === 0
        ? ''
        : ` It waits for blindVerdict from ${listWords(waiting.length > named.length ? [...named, `${waiting.length - named.length} more`] : named)}.`
    }`,
  ];
}

/** What the request waits for (or how it ended), as sentences, with the standing of the role it waits for. */
function stateSentences(
  input: ExplainInput,
  request: PersistedRequest,
  evaluators: RoleStanding | null,
  workers: RoleStanding,
  endedHeight: number | undefined,
): string[] {
  const { state, context } = request;
  const results = submitted(request);
  const onIt = Object.keys(context.workers);
  const ended = endedHeight === undefined ? '' : ` in block ${endedHeight}`;
  switch (state) {
    case 'requested':
      if (context.skipEvaluation) {
        return [
          `It skips evaluation: it waits for one of its trusted workers (worker_node: ${listWords(context.workersAllowed ?? [])}) to accept it and submit a result; the first result settles it.`,
          ...awaitedRoleSentences(workers),
        ];
      }
      return [
        `It waits for an evaluator to accept it (acceptJob as evaluator, with a deposit above the job's challenge fee of ${context.challengeFee} AIN); workers may accept it only after one has.`,
        ...awaitedRoleSentences(evaluators!),
      ];
    case 'accepted':
      return [
        `Its evaluator ${context.evaluator} accepted it with a deposit of ${context.deposit} AIN; it waits for workers to accept it (none has yet).`,
        ...awaitedRoleSentences(workers),
      ];
    case 'running': {
      const waiting = onIt.filter((w) => !results.includes(w) && context.workers[w]!.failure === undefined);
      const more = workersPerRequestMax - onIt.length;
      return [
        `${plural(onIt.length, 'worker')} ${onIt.length === 1 ? 'is' : 'are'} on it (${listWords(onIt)}); ${results.length} submitted a result.`,
        ...failedSentences(request),
        ...(waiting.length > 0 ? [`It waits for results from ${listWords(waiting)}.`] : []),
        `${more > 0 ? `Up to ${plural(more, 'more worker')} may accept it until its time limit; ${workers.counts.eligible} approved ${workers.counts.eligible === 1 ? 'worker' : 'workers'} could.` : 'It has the most workers a request takes.'}`,
      ];
    }
    case 'ranking':
      return [
        `Its time limit passed with ${plural(results.length, 'result')} (from ${listWords(results)}); it waits for its evaluator ${context.evaluator} to rank them.`,
        ...failedSentences(request),
        ...(evaluators!.dropped.includes(context.evaluator!)
          ? [`${context.evaluator} has been dropped from the job; it may still rank the requests it took.`]
          : []),
      ];
    case 'ranked':
      return [
        context.overruled === true
          ? `${parentAdminOf(input.tree, context)}, the evaluator's parent admin, re-ranked it upholding a worker's challenge, best first: ${listWords(context.ranking)}.`
          : `${context.evaluator} ranked it, best first: ${listWords(context.ranking)}.`,
        `It waits for the client to acceptResult or challenge it (${context.challenges} of ${context.windows.maxChallenges} challenges used, blind ones included); a worker that submitted a result may challenge it too.`,
      ];
    case 'challenged':
      return [
        context.challenger === undefined
          ? `The client challenged the ranking (challenge ${context.challenges} of ${context.windows.maxChallenges}); it waits for ${parentAdminOf(input.tree, context)}, the evaluator's parent admin, to resolveChallenge it.`
          : `Worker ${context.challenger} challenged the ranking (its challenge ${context.workerChallenges?.[context.challenger] ?? 1} of ${context.windows.maxChallenges}); it waits for ${parentAdminOf(input.tree, context)}, the evaluator's parent admin, to resolveChallenge it: upheld with a corrected ranking, or rejected.`,
      ];
    case 'blindChallenged':
      return blindSentences(input, request);
    case 'settled':
      return [
        context.skipEvaluation
          ? `It settled${ended}: the first result, from ${context.ranking[0]}, took the workers' pool by its reward function (${context.rewardFunction}); with no evaluator, the evaluator's ${context.reward[0]} AIN went back to the client.`
          : context.overruled === true
            ? `It settled${ended} as re-ranked upholding a worker's challenge: the workers, ranked best first ${listWords(context.ranking)}, shared the pool of ${context.reward[1]} AIN by its reward function (${context.rewardFunction}); its overruled evaluator ${context.evaluator} was not paid, and its deposit went to the challenger.`
            : `It settled${ended}: ${context.evaluator} was paid the evaluator's ${context.reward[0]} AIN, and the workers, ranked best first ${listWords(context.ranking)}, the pool of ${context.reward[1]} AIN by its reward function (${context.rewardFunction}).`,
      ];
    case 'refunded': {
      const at = `It was refunded to the client${ended}`;
      switch (context.refundReason) {
        case 'noEvaluator':
          return [`${at}: no evaluator accepted it before its time limit ended.`, `The job has ${roleCounts(evaluators!)} now.`];
        case 'noResult':
          return [
            `${at}: no worker submitted a result before its time limit ended (${plural(onIt.length, 'worker')} had accepted it).`,
            ...failedSentences(request),
            `The job has ${roleCounts(workers)} now.`,
          ];
        case 'noRanking':
          return [
            `${at}: its evaluator ${context.evaluator} did not rank the ${plural(results.length, 'result')} within the rank window of ${span(context.windows.rankWindowMs)} after its time limit, so its deposit of ${context.deposit} AIN went to the client.`,
          ];
        case 'challengeUpheld':
          return [
            `${at}: the evaluator's parent admin upheld the client's challenge of the ranking; the client got its reward, fee and the evaluator's deposit of ${context.deposit} AIN.`,
          ];
        case 'blindChallengeUpheld':
          return [
            `${at}: a quorum of the job's admins outside the evaluator's branch upheld the client's blind challenge of the ranking; the client got its reward, fee and the evaluator's deposit of ${context.deposit} AIN.`,
          ];
        default:
          return [`${at}.`];
      }
    }
  }
}

/**
 * Why a request is where it is, from the ledger and the read models after the latest block: its
 * state and since when, what it waits for, the evaluators and workers who could take it and why
 * each has not (as far as the ledger can tell), its deadline and what happens then, and every tx
 * naming it that was refused. Pure: the same chain gives the same answer on every node. Null for
 * an id that is no request.
 * @example explainRequest({ tree, height, readModels, time: latestBlockTime }, requestId)?.sentences.join('\n')
 */
export function explainRequest(input: ExplainInput, id: string): RequestExplanation | null {
  const request = readRequest(input.tree, id);
  if (request === null) return null;
  const { state, context } = request;
  const schema = readJobSchema(input.tree, context.job)!;
  const now = input.time;
  const times = ownEntry(input.readModels.explain.requests, id);
  const since = sinceOf(request, times);
  const deadline = deadlineOf(request, now);
  const of = { request, schema, nodes: nodesOf(input, context.job) };
  const evaluators = context.skipEvaluation ? null : requestRoleStanding(input, of, 'evaluator');
  const workers = requestRoleStanding(input, of, 'worker');
  const refused = refusalsOf(input, id);
  const sentences = [
    `Request ${id} of job ${shortId(context.job)}, from client ${context.client}, is ${state} since ${when(since, now)}, as of block ${input.height} (${clock(now)}).`,
    ...stateSentences(input, request, evaluators, workers, times?.endedHeight),
    ...(deadline === null ? [] : [deadline.sentence]),
    ...refusalSentences(refused, 'request'),
  ];
  return {
    kind: 'request',
    id,
    job: context.job,
    client: context.client,
    height: input.height,
    time: now,
    state,
    since,
    awaiting: awaitingOf(request),
    refundReason: context.refundReason,
    deadline,
    evaluators,
    workers,
    refused,
    sentences,
  };
}
