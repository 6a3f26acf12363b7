import { ownEntry, readBalance } from '../../projections/index.ts';
import {
  bestWorkerShare,
  jobPaths,
  readNode,
  workersPerRequestMax,
  type JobSchemaRecord,
  type NodeRole,
  type PersistedNode,
  type PersistedRequest,
} from '../job/index.ts';
import type { ExplainInput, NodeStanding, Reason, RoleStanding } from './explanation.ts';
import { plural, shortId } from './words.ts';

/** Entries each list of a standing holds at most; its counts say how many there are. */
export const listMax = 100;

type Role = Exclude<NodeRole, 'admin'>;
type Requirements = NonNullable<JobSchemaRecord['op']['requirements']>;

const isFinal = (state: string) => state === 'settled' || state === 'refunded';

/** The job's nodes, by address: read once per explanation, for every role. */
export function nodesOf(input: ExplainInput, job: string): PersistedNode[] {
  const nodes: PersistedNode[] = [];
  for (const address of input.tree.keys(jobPaths.nodesOf(job)).sort()) {
    const node = readNode(input.tree, job, address);
    if (node !== null) nodes.push(node);
  }
  return nodes;
}

/** Open requests of `job` that `address` is on: workers as the dashboard counts them, evaluators as the explain index does. */
export function openRequestsOf(input: ExplainInput, job: string, role: Role, address: string): number {
  if (role === 'worker') {
    const board = ownEntry(input.readModels.dashboard.jobs, job);
    return board === undefined ? 0 : (ownEntry(board.busy, address) ?? 0);
  }
  const evaluating = ownEntry(input.readModels.explain.evaluating, job);
  return evaluating === undefined ? 0 : (ownEntry(evaluating, address) ?? 0);
}

/**
 * Why a reported machine cannot serve the job's requirements, or null when it can (or did not
 * say): only what both name is compared. The same test the worker agent makes against its probe.
 */
export function unmetRequirement(requirements: Requirements | undefined, machine: Partial<Requirements> | undefined): string | null {
  if (requirements === undefined || machine === undefined) return null;
  const needs: [keyof Requirements, string][] = [
    ['cpu', 'CPUs'],
    ['memory_mb', 'MB of memory'],
    ['gpu', 'GPUs'],
    ['storage_mb', 'MB of disk'],
  ];
  for (const [field, unit] of needs) {
    const need = requirements[field];
    const has = machine[field];
    if (need !== undefined && has !== undefined && has < need) return `the job needs ${need} ${unit} and its agent reported ${has}`;
  }
  return null;
}

function standingOf(role: Role, open: boolean, accepted: readonly string[], lists: Lists): RoleStanding {
  const take = <T>(list: readonly T[]) => list.slice(0, listMax);
  return {
    role,
    open,
    accepted: take(accepted),
    applied: take(lists.applied),
    dropped: take(lists.dropped),
    busy: take(lists.busy),
    eligible: take(lists.eligible),
    ineligible: take(lists.ineligible),
    counts: {
      approved: lists.approved,
      applied: lists.applied.length,
      dropped: lists.dropped.length,
      busy: lists.busy.length,
      eligible: lists.eligible.length,
      ineligible: lists.ineligible.length,
    },
  };
}

interface Lists {
  approved: number;
  applied: string[];
  dropped: string[];
  busy: { address: string; openRequests: number }[];
  eligible: NodeStanding[];
  ineligible: NodeStanding[];
}

const emptyLists = (): Lists => ({ approved: 0, applied: [], dropped: [], busy: [], eligible: [], ineligible: [] });

/** A job's evaluators or workers: approved (busy or not), applied, dropped, and those whose reported machine is short of its requirements. */
export function jobRoleStanding(input: ExplainInput, job: string, schema: JobSchemaRecord, nodes: readonly PersistedNode[], role: Role): RoleStanding {
  const lists = emptyLists();
  for (const node of nodes) {
    if (node.context.role !== role) continue;
    const { node: address } = node.context;
    if (node.state === 'applied') lists.applied.push(address);
    else if (node.state === 'dropped') lists.dropped.push(address);
    else {
      lists.approved++;
      const busy = openRequestsOf(input, job, role, address);
      if (busy > 0) lists.busy.push({ address, openRequests: busy });
      const unmet = role === 'worker' ? unmetRequirement(schema.op.requirements, node.context.machine) : null;
      if (unmet !== null) lists.ineligible.push({ address, busy, reasons: [{ reason: 'machine', sentence: unmet }] });
      else
        lists.eligible.push({ address, busy, reasons: busy > 0 ? [{ reason: 'busy', sentence: `it is on ${plural(busy, 'open request')} of the job` }] : [] });
    }
  }
  return standingOf(role, true, [], lists);
}

/** Whether the request takes `role`'s acceptJob in its state (as its machine draws it). */
export function takesRole(request: PersistedRequest, role: Role): boolean {
  const { state, context } = request;
  if (role === 'evaluator') return state === 'requested' && !context.skipEvaluation;
  if (state === 'requested') return context.skipEvaluation;
  return state === 'accepted' || (state === 'running' && Object.keys(context.workers).length < workersPerRequestMax);
}

/** A request with its job's schema and nodes (read once for both roles). */
export interface RequestOf {
  readonly request: PersistedRequest;
  readonly schema: JobSchemaRecord;
  readonly nodes: readonly PersistedNode[];
}

/** Why the ledger would refuse `node`'s acceptJob as `role` on the request (nothing: it would take it). */
function refusals(input: ExplainInput, request: PersistedRequest, node: PersistedNode, role: Role): Reason[] {
  const { context } = request;
  const address = node.context.node;
  const reasons: Reason[] = [];
  const allowed = role === 'evaluator' ? context.evaluatorsAllowed : context.workersAllowed;
  if (allowed !== null && !allowed.includes(address)) {
    const field = role === 'evaluator' ? 'evaluator_node' : 'worker_node';
    reasons.push({
      reason: 'allowList',
      code: 'NOT_ALLOWED',
      sentence: `it is not on the request's ${role} allow-list (${field}, ${plural(allowed.length, 'address', 'addresses')})`,
    });
  }
  if (role === 'worker' && context.rejected?.includes(address) === true)
    reasons.push({ reason: 'rejected', code: 'NOT_ALLOWED', sentence: 'the client rejected it as a worker on this request' });
  const part = address === context.client ? 'client' : address === context.evaluator ? 'evaluator' : context.workers[address] !== undefined ? 'a worker' : null;
  if (part !== null) reasons.push({ reason: 'takesPart', code: 'NOT_ALLOWED', sentence: `it is already the request's ${part}; one party per role` });
  if (role === 'evaluator') {
    if (node.context.parent === context.client)
      reasons.push({
        reason: 'approvedByClient',
        code: 'NOT_ALLOWED',
        sentence: 'the request’s client approved it, and would judge the challenges against it',
      });
    const balance = readBalance(input.tree, address);
    if (balance <= BigInt(context.challengeFee))
      reasons.push({
        reason: 'balance',
        code: 'INSUFFICIENT_FUNDS',
        sentence: `it holds ${balance} AIN, not enough for a deposit above the job's challenge fee of ${context.challengeFee} AIN`,
      });
  }
  return reasons;
}

/** What may keep `node`, which the ledger would let in, from accepting the request: what it reported, how busy it is, its refused tries. */
function hints(input: ExplainInput, { request, schema }: RequestOf, node: PersistedNode, role: Role, busy: number): Reason[] {
  const { context } = request;
  const address = node.context.node;
  const reasons: Reason[] = [];
  if (role === 'worker') {
    const unmet = unmetRequirement(schema.op.requirements, node.context.machine);
    if (unmet !== null) reasons.push({ reason: 'machine', sentence: unmet });
    const best = bestWorkerShare(context);
    if (node.context.minReward !== undefined && BigInt(node.context.minReward) > best)
      reasons.push({
        reason: 'minReward',
        sentence: `its agent takes no reward below ${node.context.minReward} AIN and the best a worker can get from this request's pool (${context.rewardFunction}) is ${best} AIN`,
      });
  }
  if (busy > 0) reasons.push({ reason: 'busy', sentence: `it is on ${plural(busy, 'other open request')} of the job` });
  const tried = ownEntry(input.readModels.explain.refused, context.request)?.latest.filter(
    (t) => t.from === address && t.op === 'acceptJob' && t.role === role,
  );
  const last = tried?.at(-1);
  if (last !== undefined) {
    reasons.push({ reason: 'refused', code: last.code, sentence: `its acceptJob in block ${last.height} (tx ${shortId(last.hash)}) was refused ${last.code}` });
  }
  if (reasons.length === 0)
    reasons.push({ reason: 'noneKnown', sentence: 'the ledger knows no reason: its agent may be stopped, or not have seen the request yet' });
  return reasons;
}

/** The request's evaluators or workers: on it, approved (busy or not), applied, dropped; and, while it takes `role`, who could accept and why each has not. */
export function requestRoleStanding(input: ExplainInput, of: RequestOf, role: Role): RoleStanding {
  const { request, nodes } = of;
  const { context } = request;
  const open = takesRole(request, role);
  const accepted = role === 'evaluator' ? (context.evaluator === null ? [] : [context.evaluator]) : Object.keys(context.workers);
  const lists = emptyLists();
  for (const node of nodes) {
    if (node.context.role !== role) continue;
    const { node: address } = node.context;
    if (node.state === 'applied') lists.applied.push(address);
    else if (node.state === 'dropped') lists.dropped.push(address);
    else {
      lists.approved++;
      const onThis = accepted.includes(address) && !isFinal(request.state);
      const busy = openRequestsOf(input, context.job, role, address) - (onThis ? 1 : 0);
      if (busy > 0) lists.busy.push({ address, openRequests: busy });
      if (!open || accepted.includes(address)) continue;
      const refused = refusals(input, request, node, role);
      if (refused.length > 0) lists.ineligible.push({ address, busy, reasons: refused });
      else lists.eligible.push({ address, busy, reasons: hints(input, of, node, role, busy) });
    }
  }
  return standingOf(role, open, accepted, lists);
}
