import { createHash } from 'node:crypto';
import { createActor, fromPromise, toPromise } from 'xstate';
import {
  functionCallMachine,
  functionWorkerMachine,
  type CallResult,
  type FunctionCallOutput,
  type FunctionWorkerOutput,
  type Submitted,
} from '../../actors/index.ts';
import type { KeyPair } from '../../log/index.ts';
import { AinError, parseOrThrow, StateOp, type Op, type TriggersEvent } from '../../schemas/index.ts';
import { answerInvocation, errorFromAnswer, takeInvocations } from '../client/index.ts';
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
  /** Also take HTTP calls of its functions from the node (`POST /v1/functions/<id>/invoke`); default true. */
  readonly calls?: boolean;
  /** HTTP calls it runs at once at most; it takes no more while that many run. */
  readonly callsMax?: number;
}

/** Outputs of HTTP calls an agent keeps (the latest). */
const callOutputsKept = 1000;

/** A function worker: its trigger runs, and what it did for HTTP calls. */
export interface FunctionWorkerAgent extends JobAgent<FunctionWorkerOutput> {
  readonly calls: FunctionCallOutput[];
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
  calls = true,
  callsMax = 4,
}: FunctionWorkerOptions): FunctionWorkerAgent {
  const submit = submitterFor(key, nodeUrl);
  /** Runs a function's code on `request`; its stdout's JSON, checked: at most `opsMax` ops, each a valid op. */
  const runCode = async (code: string, request: unknown, signal: AbortSignal): Promise<{ output: unknown; ops: Op[] }> => {
    const { result } = execution.run(
      { command: 'node', args: ['function.js'], files: { 'function.js': code }, request, limits: { wallTimeMs: runWallTimeMs } },
      { signal },
    );
    const done = await result;
    if (!done.ok) throw new AinError(done.code ?? 'RUN_FAILED', done.message ?? 'The function failed.');
    const reply = (done.reply ?? {}) as { ops?: unknown; output?: unknown };
    const ops = reply.ops ?? [];
    if (!Array.isArray(ops) || ops.length > opsMax) throw new AinError('BAD_REPLY', `A function replies { "ops": [...] } with at most ${opsMax} state ops.`);
    // State writes only: a function never moves its owner's money, stake or jobs.
    return { output: reply.output ?? null, ops: ops.map((op, i) => parseOrThrow(StateOp, op, `function reply ops[${i}]`)) };
  };
  const actors = {
    submit: fromPromise<Submitted, { readonly op: Op }>(({ input }) => submit(input.op)),
    fetchCode: fromPromise<string, { readonly ref: string }>(({ input }) => fetchCode(nodeUrl, key, input.ref)),
    runFunction: fromPromise<readonly Op[], { readonly code: string; readonly request: unknown }>(
      async ({ input, signal }) => (await runCode(input.code, input.request, signal)).ops,
    ),
  };
  const triggers = followAndStart<FunctionWorkerOutput>({ nodeUrl, stream: 'triggers', fromHeight }, functionWorkerMachine.provide({ actors }), async (data) =>
    (data as TriggersEvent).triggers.filter((t) => t.function.runtime === 'nodejs' && t.function.owner === key.address).map((trigger) => ({ trigger })),
  );
  const callOutputs: FunctionCallOutput[] = [];
  if (!calls) return { ...triggers, calls: callOutputs };

  // HTTP calls: a long poll for the calls of this key's functions, one FunctionCallActor each.
  const callActors = functionCallMachine.provide({
    actors: {
      submit: actors.submit,
      fetchCode: actors.fetchCode,
      runCall: fromPromise<CallResult, { readonly code: string; readonly runtime: string; readonly request: unknown }>(async ({ input, signal }) => {
        if (input.runtime !== 'nodejs') throw new AinError('RUN_FAILED', `This function worker runs nodejs functions, not ${input.runtime}.`);
        return runCode(input.code, input.request, signal);
      }),
      answer: fromPromise<void, { readonly call: string; readonly answer: { output: unknown } | { error: { code: string; message: string } } }>(({ input }) =>
        answerInvocation({ nodeUrl, key, invocation: input.call, answer: input.answer }),
      ),
    },
  });
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const polling = (async () => {
    let pauseMs = 0;
    while (!stopping.signal.aborted) {
      // At most `callsMax` runs at once: a flood of calls waits on the node, not in this process.
      if (running.size >= callsMax) {
        await Promise.race(running);
        continue;
      }
      try {
        const taken = await takeInvocations({ nodeUrl, key, waitMs: 20_000, max: callsMax - running.size, signal: stopping.signal });
        pauseMs = 0;
        for (const call of taken) {
          const done = toPromise(createActor(callActors, { input: { call } }).start())
            .then((output) => {
              callOutputs.push(output);
              if (callOutputs.length > callOutputsKept) callOutputs.splice(0, callOutputs.length - callOutputsKept);
            })
            .catch(() => undefined)
            .finally(() => running.delete(done));
          running.add(done);
        }
      } catch {
        // The node is away or stopping: try again after a pause that grows to 5 s.
        if (stopping.signal.aborted) break;
        pauseMs = Math.min(5000, Math.max(100, pauseMs * 2));
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  })();
  return {
    outputs: triggers.outputs,
    calls: callOutputs,
    settled: async () => {
      await triggers.settled();
      while (running.size > 0) await Promise.all(running);
    },
    async stop() {
      stopping.abort();
      await Promise.all([triggers.stop(), polling]);
    },
  };
}
