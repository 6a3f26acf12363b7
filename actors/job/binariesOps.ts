import { binariesProblem } from '../../log/index.ts';
import { ok, refuse, type StateTree } from '../../projections/index.ts';
import type { Binaries, OpOf } from '../../schemas/index.ts';
import { readJobSchema, short, unknownJob, type JobOpContext, type JobOpResult } from './jobSchemaRecord.ts';
import { jobPaths, readJson, writeJson } from './jobStore.ts';

// The Binary Manager of the papers: a job's admin publishes the programs its workers and
// evaluators run (repository, version, program hashes) under its signature; workers check what
// they run against the version in force and name it in their results.

/** The versions a job published, oldest first (empty for a job without binaries). */
export function binaryVersions(tree: StateTree, job: string): number[] {
  return tree
    .keys(jobPaths.binaries(job))
    .map(Number)
    .sort((a, b) => a - b);
}

/** A job's binaries of `version`, or its latest when none is named; null when it published none. */
export function readBinaries(tree: StateTree, job: string, version?: number): Binaries | null {
  const at = version ?? binaryVersions(tree, job).at(-1);
  return at === undefined ? null : readJson<Binaries>(tree, jobPaths.binariesVersion(job, at));
}

/** Why `binaries` cannot be the admin's for this chain (BAD_BINARIES), or null. */
export function badBinaries(ctx: JobOpContext, binaries: Binaries, admin: string): JobOpResult | null {
  const problem = binariesProblem(binaries, ctx.chain, admin);
  return problem === null ? null : { outcome: refuse('BAD_BINARIES', `${problem[0]!.toUpperCase()}${problem.slice(1)}.`) };
}

/** Keeps a version of a job's binaries (registerJob's first, publishBinaries' later ones) and the block time it came in force. */
export function writeBinaries(tree: StateTree, job: string, binaries: Binaries, time: number): void {
  writeJson(tree, jobPaths.binariesVersion(job, binaries.version), binaries);
  tree.writeSystem(jobPaths.binariesPublishedAt(job, binaries.version), time);
}

/** The version in force at block time `at` (the latest published by then), or null before the first. */
function versionInForceAt(tree: StateTree, job: string, versions: readonly number[], at: number): number | null {
  let inForce: number | null = null;
  for (const version of versions) if (((tree.get(jobPaths.binariesPublishedAt(job, version)) as number | null) ?? Infinity) <= at) inForce = version;
  return inForce;
}

/** `publishBinaries`: the job's root admin puts a newer version of its programs in force. */
export function applyPublishBinaries(ctx: JobOpContext, op: OpOf<'publishBinaries'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const schema = readJobSchema(tree, op.job_id);
  if (schema === null) return unknownJob(op.job_id);
  if (from !== schema.admin) {
    return { outcome: refuse('NOT_ALLOWED', `Only job ${short(op.job_id)}'s admin ${schema.admin} publishes its binaries; ${from} is not it.`) };
  }
  const bad = badBinaries(ctx, op.binaries, schema.admin);
  if (bad !== null) return bad;
  const current = binaryVersions(tree, op.job_id).at(-1) ?? 0;
  if (op.binaries.version <= current) {
    return {
      outcome: refuse('BAD_BINARY_VERSION', `Job ${short(op.job_id)} has version ${current} of its binaries in force; publish a higher version than that.`),
    };
  }
  writeBinaries(tree, op.job_id, op.binaries, time);
  const { version, repository, worker, evaluator } = op.binaries;
  return { outcome: ok, events: [{ type: 'binariesPublished', job: op.job_id, admin: from, version, repository, worker, evaluator, time, height }] };
}

/**
 * Why a submitResult's `version` does not fit the job's binaries (BAD_BINARY_VERSION), or null. A
 * worker runs at least the version in force when it accepted the request (a newer version revokes
 * the older ones for new work), naming a published one; one that accepted before the job's first
 * binaries may name none; a job without binaries takes none.
 */
export function resultVersionProblem(tree: StateTree, job: string, version: number | undefined, acceptedAt: number): JobOpResult | null {
  const refusal = (why: string): JobOpResult => ({ outcome: refuse('BAD_BINARY_VERSION', `Job ${short(job)} ${why}`) });
  const versions = binaryVersions(tree, job);
  if (versions.length === 0) return version === undefined ? null : refusal('publishes no binaries, so a result names no version; leave "version" out.');
  const required = versionInForceAt(tree, job, versions, acceptedAt);
  if (version === undefined) {
    return required === null
      ? null
      : refusal(`had version ${required} of its binaries in force when the worker accepted: its result names the version it ran ("version").`);
  }
  if (!versions.includes(version)) return refusal(`never published version ${version} of its binaries; it has ${versions.join(', ')}.`);
  if (required !== null && version < required)
    return refusal(`had version ${required} of its binaries in force when the worker accepted; version ${version} is withdrawn for that work.`);
  return null;
}
