import { fromPromise } from 'xstate';
import type { Op } from '../../schemas/index.ts';

/** What an agent's `submit` effect gives back: the tx's hash and where it landed. */
export interface Submitted {
  readonly hash: string;
  readonly height: number;
}

/** A request as an agent sees it (GET /v1/jobs/<id>). */
export interface RequestView {
  readonly id: string;
  readonly state: string;
  readonly results: Readonly<Record<string, unknown>>;
  readonly input: unknown;
  readonly timeLimitMs: number;
}

const notProvided = (name: string) => () => Promise.reject(new Error(`the agent's ${name} effect was not provided; runtime/agents provides it`));

/**
 * The effects every agent machine invokes, as placeholders: `runtime/agents` provides them
 * (`machine.provide({ actors })`) with the node's HTTP API and an ExecutionRuntime, and tests
 * with fakes. The machines import no HTTP, no runtime.
 */
export const agentEffects = {
  /** Signs an op with the agent's key, submits it, resolves once it is `ok` in a block (rejects with the refusal). */
  submit: fromPromise<Submitted, { readonly op: Op }>(notProvided('submit')),
  /** Resolves with the request once it is in one of `states` (or rejects past the agent's patience). */
  untilState: fromPromise<RequestView, { readonly request: string; readonly states: readonly string[] }>(notProvided('untilState')),
  /**
   * Approves, as the job's admin, each applicant of `applicants` once it has applied (following
   * the job's node events); resolves when all are approved.
   */
  approveApplicants: fromPromise<readonly string[], { readonly job: string; readonly applicants: readonly { readonly node: string; readonly role: 'admin' | 'evaluator' | 'worker' }[] }>(
    notProvided('approveApplicants'),
  ),
  /** Runs the job's program (worker or evaluator) on `request` through an ExecutionRuntime; resolves with its reply. */
  run: fromPromise<unknown, { readonly program: 'worker' | 'evaluator'; readonly request: unknown }>(notProvided('run')),
};

/** A failed effect's error as one line for an agent's output. */
export function errorText(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' ? `${code}: ${text}` : text;
}
