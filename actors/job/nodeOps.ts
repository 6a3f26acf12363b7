import type { JobEvent, StateTree } from '../../projections/index.ts';
import { ok, refuse } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { jobPaths, readJson, startMachine, stepMachine, writeJson, type Persisted } from './jobStore.ts';
import { nodeMachine, type NodeContext, type NodeRole, type NodeState } from './nodeMachine.ts';
import { badBinaries, writeBinaries } from './binariesOps.ts';
import { readJobSchema, short, unknownJob, type JobOpContext, type JobOpResult, type JobSchemaRecord } from './jobSchemaRecord.ts';

export type PersistedNode = Persisted<NodeState, NodeContext>;

export function readNode(tree: StateTree, job: string, node: string): PersistedNode | null {
  return readJson<PersistedNode>(tree, jobPaths.node(job, node));
}

/** Whether `node` is an approved (not dropped) node of `job` in `role`. */
export function isApproved(tree: StateTree, job: string, node: string, role: NodeRole): boolean {
  const entry = readNode(tree, job, node);
  return entry !== null && entry.state === 'approved' && entry.context.role === role;
}

/** `registerJob`: the job id is the tx hash; its signer becomes the job's first, root admin. */
export function applyRegisterJob(ctx: JobOpContext, op: OpOf<'registerJob'>): JobOpResult {
  const { tree, from, hash: job, time, height } = ctx;
  if (op.binaries !== undefined) {
    const bad = badBinaries(ctx, op.binaries, from);
    if (bad !== null) return bad;
    writeBinaries(tree, job, op.binaries, time);
  }
  const record: JobSchemaRecord = { admin: from, registeredAt: time, op };
  writeJson(tree, jobPaths.schema(job), record);
  const applied = startMachine<typeof nodeMachine, NodeState, NodeContext>(nodeMachine, { job, node: from, role: 'admin', appliedAt: time });
  const approved = stepMachine(nodeMachine, applied, { type: 'approve', by: null, time })!;
  writeJson(tree, jobPaths.node(job, from), approved);
  const binaryVersion = op.binaries === undefined ? {} : { binaryVersion: op.binaries.version };
  return { outcome: ok, events: [{ type: 'jobRegistered', job, admin: from, ...binaryVersion, time, height }] };
}

/** `applyJob`: a node asks to serve a job as admin, evaluator or worker. */
export function applyApplyJob(ctx: JobOpContext, op: OpOf<'applyJob'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  if (readJobSchema(tree, op.job_id) === null) return unknownJob(op.job_id);
  const entry = readNode(tree, op.job_id, from);
  if (entry !== null) {
    return {
      outcome: refuse(
        'ILLEGAL_TRANSITION',
        `${from} is already ${entry.state} as ${entry.context.role} of job ${short(op.job_id)}; applyJob is only for a node new to the job.`,
      ),
    };
  }
  // What the applicant's agent reported is kept only when given, so nodes that report nothing keep the bytes (and roots) they had.
  const applied = startMachine(nodeMachine, {
    job: op.job_id,
    node: from,
    role: op.role,
    appliedAt: time,
    ...(op.machine === undefined ? {} : { machine: op.machine }),
    ...(op.min_reward === undefined ? {} : { minReward: op.min_reward }),
  });
  writeJson(tree, jobPaths.node(op.job_id, from), applied);
  return {
    outcome: ok,
    events: [
      { type: 'nodeApplied', job: op.job_id, node: from, role: op.role, ...(op.test_result === undefined ? {} : { testResult: op.test_result }), time, height },
    ],
  };
}

interface AdminLimits {
  readonly windowStart: number;
  readonly approvals: number;
  readonly drops: number;
}

/** Counts an approval or drop against the admin's limit in the job's window of block time; a refusal when past it. */
function checkRate(ctx: JobOpContext, schema: JobSchemaRecord, job: string, kind: 'approvals' | 'drops'): JobOpResult | null {
  const max = kind === 'approvals' ? schema.op.max_approvals : schema.op.max_drops;
  if (max === undefined) return null;
  const windowMs = schema.op.window_ms ?? 86_400_000;
  const path = jobPaths.limits(job, ctx.from);
  const stored = readJson<AdminLimits>(ctx.tree, path);
  const current = stored === null || ctx.time >= stored.windowStart + windowMs ? { windowStart: ctx.time, approvals: 0, drops: 0 } : stored;
  if (current[kind] >= max) {
    return {
      outcome: refuse(
        'RATE_LIMITED',
        `${ctx.from} has made ${current[kind]} ${kind} in job ${short(job)} within ${windowMs} ms of block time, the most its schema allows; try again after block time ${current.windowStart + windowMs}.`,
      ),
    };
  }
  writeJson(ctx.tree, path, { ...current, [kind]: current[kind] + 1 });
  return null;
}

/** `approveNode`: an approved admin of the job approves an applicant and becomes its parent. */
export function applyApproveNode(ctx: JobOpContext, op: OpOf<'approveNode'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const schema = readJobSchema(tree, op.job_id);
  if (schema === null) return unknownJob(op.job_id);
  if (!isApproved(tree, op.job_id, from, 'admin'))
    return { outcome: refuse('NOT_APPROVED', `${from} is not an approved admin of job ${short(op.job_id)}; only its admins approve nodes.`) };
  const entry = readNode(tree, op.job_id, op.node);
  if (entry === null || entry.context.role !== op.role) {
    return {
      outcome: refuse(
        'ILLEGAL_TRANSITION',
        `${op.node} has not applied as ${op.role} of job ${short(op.job_id)}; a node applies (applyJob) before it is approved.`,
      ),
    };
  }
  const next = stepMachine(nodeMachine, entry, { type: 'approve', by: from, time });
  if (next === null)
    return {
      outcome: refuse('ILLEGAL_TRANSITION', `${op.node} is ${entry.state} as ${op.role} of job ${short(op.job_id)}; approveNode is only for an applicant.`),
    };
  const limited = checkRate(ctx, schema, op.job_id, 'approvals');
  if (limited !== null) return limited;
  writeJson(tree, jobPaths.node(op.job_id, op.node), next);
  return { outcome: ok, events: [{ type: 'nodeApproved', job: op.job_id, node: op.node, role: op.role, parent: from, time, height }] };
}

/** `drop`: the node's parent admin or the job's admin removes it; a node may also leave by itself. */
export function applyDrop(ctx: JobOpContext, op: OpOf<'drop'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const schema = readJobSchema(tree, op.job_id);
  if (schema === null) return unknownJob(op.job_id);
  const entry = readNode(tree, op.job_id, op.node);
  if (entry === null) return { outcome: refuse('ILLEGAL_TRANSITION', `${op.node} has not applied to job ${short(op.job_id)}; there is nothing to drop.`) };
  const self = from === op.node;
  if (!self && from !== entry.context.parent && from !== schema.admin) {
    return {
      outcome: refuse('NOT_ALLOWED', `${from} is neither the parent admin of ${op.node} in job ${short(op.job_id)} nor the job's admin; only they drop it.`),
    };
  }
  const next = stepMachine(nodeMachine, entry, { type: 'drop', time });
  if (next === null) return { outcome: refuse('ILLEGAL_TRANSITION', `${op.node} is already dropped from job ${short(op.job_id)}.`) };
  if (!self) {
    const limited = checkRate(ctx, schema, op.job_id, 'drops');
    if (limited !== null) return limited;
  }
  writeJson(tree, jobPaths.node(op.job_id, op.node), next);
  const event: JobEvent = { type: 'nodeDropped', job: op.job_id, node: op.node, role: entry.context.role, by: from, time, height };
  return { outcome: ok, events: [event] };
}
