import type { Observable } from 'rxjs';

import type { RunEvent, RunResult, RunSpecInput } from '../../schemas/index.ts';

export interface RunOptions {
  /** Aborting kills the job (its whole process group or container); the result says `RUN_ABORTED`. */
  readonly signal?: AbortSignal;
}

/** A started run: its stream of events (completes when the run ends) and its result. */
export interface RunHandle {
  /** Hot: subscribe right after `run()` returns to see every event. */
  readonly events$: Observable<RunEvent>;
  /** Resolves with the outcome, a failure included; rejects only on a broken invariant (a bug). */
  readonly result: Promise<RunResult>;
}

/**
 * Runs jobs: the `process` runtime (embedded default) and the `docker` runtime pass one contract
 * suite (test/runtime/exec/contract.ts).
 * @example
 * const { events$, result } = runtime.run({ command: 'node', args: ['worker.js'], files, request: { y: 4 } });
 * events$.subscribe((event) => console.log(event));
 * const { ok, code, reply } = await result;
 */
export interface ExecutionRuntime {
  readonly name: string;
  /** Throws only for a spec that breaks the `RunSpec` schema (the caller's bug). */
  run(spec: RunSpecInput, options?: RunOptions): RunHandle;
  /** Waits for runs in flight to end and releases what the runtime holds. */
  close(): Promise<void>;
}
