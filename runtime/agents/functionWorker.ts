import { createHash } from 'node:crypto';
import { fromPromise } from 'xstate';
import { functionWorkerMachine, type FunctionWorkerOutput, type Submitted } from '../../actors/index.ts';
import type { KeyPair } from '../../log/index.ts';
import { AinError, Op, parseOrThrow, type TriggersEvent } from '../../schemas/index.ts';
import { errorFromAnswer } from '../client/index.ts';
import type { ExecutionRuntime } from '../exec/index.ts';
import { signBlobAuth } from '../storage/index.ts';
import { submitterFor } from './nodeAgentEffects.ts';
import { followAndStart, type JobAgent } from './jobAgents.ts';

export interface FunctionWorkerOptions {
  readonly key: KeyPair;
  readonly nodeUrl: string;
  readonly execution: ExecutionRuntime;
  readonly fromHeight?: number;
  /** The most ops one run may return. */
  readonly opsMax?: number;
  readonly runWallTimeMs?: number;
}

/** A function's code from the node's Big Storage, read with the worker's signed request and checked against its hash. */
async function fetchCode(nodeUrl: string, key: KeyPair, ref: string): Promise<string> {
  const hash = ref.replace('blob://sha256:', '');
  const response = await fetch(`${nodeUrl}/v1/blobs/${hash}`, { headers: { authorization: signBlobAuth({ key, method: 'GET', hash, timeMs: Date.now() }) } });
  if (!response.ok) throw errorFromAnswer(nodeUrl, response.status, await response.json().catch(() => undefined));
  const bytes = Buffer.from(await response.arrayBuffer());
  if (createHash('sha256').update(bytes).digest('hex') !== hash) throw new AinError('BLOB_CORRUPT', `The code behind ${ref} does not hash to it.`);
  return bytes.toString('utf8');
}

/**
 * A function worker node (the serverless draft): follows the node's fired triggers and, for each
 * `nodejs` function it owns, fetches the code, runs it in the execution runtime (the write that
 * fired it as JSON on stdin; `{ "ops": [...] }` on stdout) and submits the ops, signed by its key.
 */
export function startFunctionWorker({
  key,
  nodeUrl,
  execution,
  fromHeight,
  opsMax = 16,
  runWallTimeMs = 10_000,
}: FunctionWorkerOptions): JobAgent<FunctionWorkerOutput> {
  const submit = submitterFor(key, nodeUrl);
  const actors = {
    submit: fromPromise<Submitted, { readonly op: Op }>(({ input }) => submit(input.op)),
    fetchCode: fromPromise<string, { readonly ref: string }>(({ input }) => fetchCode(nodeUrl, key, input.ref)),
    runFunction: fromPromise<readonly Op[], { readonly code: string; readonly request: unknown }>(async ({ input, signal }) => {
      const { result } = execution.run(
        { command: 'node', args: ['function.js'], files: { 'function.js': input.code }, request: input.request, limits: { wallTimeMs: runWallTimeMs } },
        { signal },
      );
      const done = await result;
      if (!done.ok) throw new AinError(done.code ?? 'RUN_FAILED', done.message ?? 'The function failed.');
      const ops = (done.reply as { ops?: unknown }).ops;
      if (!Array.isArray(ops) || ops.length > opsMax) throw new AinError('BAD_REPLY', `A function replies { "ops": [...] } with at most ${opsMax} state ops.`);
      return ops.map((op, i) => parseOrThrow(Op, op, `function reply ops[${i}]`));
    }),
  };
  return followAndStart<FunctionWorkerOutput>({ nodeUrl, stream: 'triggers', fromHeight }, functionWorkerMachine.provide({ actors }), async (data) =>
    (data as TriggersEvent).triggers.filter((t) => t.function.runtime === 'nodejs' && t.function.owner === key.address).map((trigger) => ({ trigger })),
  );
}
