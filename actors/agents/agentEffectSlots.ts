import { fromCallback, fromPromise, type EventObject } from 'xstate';
import type { Op, RunErrorCode } from '../../schemas/index.ts';

/** What an agent's `submit` effect gives back: the tx's hash and where it landed. */
export interface Submitted {
  readonly hash: string;
  readonly height: number;
}

/** A node that applied to a job, with its answer to the schema's test data (the `nodeApplied` event). */
export interface Application {
  readonly node: string;
  readonly role: 'admin' | 'evaluator' | 'worker';
  readonly testResult?: unknown;
}

/** A request as an agent sees it (GET /v1/jobs/<id>). */
export interface RequestView {
  readonly id: string;
  readonly state: string;
  readonly results: Readonly<Record<string, unknown>>;
  readonly input: unknown;
  readonly timeLimitMs: number;
  /** The test data the request committed to (its hash) and, once its client revealed it, the data. */
  readonly testData?: { readonly commitment: string; readonly revealed?: unknown; readonly revealedAt?: number } | null;
}

/** What a worker's run came to: its reply, or the failure of a run that gave none; and the blob its log was kept in. */
export interface WorkerRun {
  readonly reply?: unknown;
  readonly failure?: { readonly code: RunErrorCode; readonly message: string };
  /** `blob://sha256:…` of the run's log (stderr tail and progress events) in Big Storage. */
  readonly log?: string;
  /** Why the log could not be kept (the worker submits without it). */
  readonly logError?: string;
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
   * Follows a job's node events from `fromHeight` and sends its parent `APPLIED` (an
   * `Application`) for each node that applies, or `APPLICATIONS_FAILED` with the error if it
   * cannot follow; stops when the parent leaves the state invoking it.
   */
  applications: fromCallback<EventObject, { readonly job: string; readonly fromHeight?: number }>(() => {
    throw new Error("the agent's applications effect was not provided; runtime/agents provides it");
  }),
  /**
   * Runs the worker program on a request's input and keeps its log in Big Storage, readable by
   * `readers` (the request's client and evaluator); resolves with the reply or the run's failure,
   * never rejecting for a failed run (a failure is something to submit).
   */
  runWorker: fromPromise<WorkerRun, { readonly request: string; readonly input: unknown; readonly readers: readonly string[] }>(notProvided('runWorker')),
  /**
   * Runs the job's program (worker or evaluator) on `request` through an ExecutionRuntime, with
   * `files` beside it; resolves with its reply. `forRequest`: the job request it evaluates, whose
   * encrypted input the runtime opens with the key its client sealed to this agent.
   */
  run: fromPromise<
    unknown,
    { readonly program: 'worker' | 'evaluator'; readonly request: unknown; readonly files?: Readonly<Record<string, string>>; readonly forRequest?: string }
  >(notProvided('run')),
  /** Resolves with the request once its client revealed the test data it committed to, or as it stands after `waitMs`. */
  untilRevealed: fromPromise<RequestView, { readonly request: string; readonly waitMs: number }>(notProvided('untilRevealed')),
};

/** A failed effect's error as one line for an agent's output. */
export function errorText(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' ? `${code}: ${text}` : text;
}
