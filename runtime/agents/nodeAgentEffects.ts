import { setTimeout as sleep } from 'node:timers/promises';
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import { errorText, type RequestView, type Submitted, type WorkerRun } from '../../actors/index.ts';
import type { KeyPair } from '../../log/index.ts';
import { AinError, type JobsEvent, type Op, type OpOf } from '../../schemas/index.ts';
import {
  createNodeSubmitter,
  createProgressPoster,
  decryptBlob,
  decryptInput,
  encryptedBlobOf,
  followStream,
  getRequest,
  getSmallBlob,
  getState,
  isEncryptedInput,
  openDataKey,
  type EncryptedInput,
} from '../client/index.ts';
import type { ExecutionRuntime } from '../exec/index.ts';
import { keepRunEvents, keepRunLog, runLogText } from './workerRunLog.ts';

/** A job's programs as agents run them: the schema, the files, and how to start each program. */
export interface JobPrograms {
  readonly proto: string;
  readonly files: Readonly<Record<string, string>>;
  readonly worker: { readonly command: string; readonly args: readonly string[]; readonly service: string; readonly rpc: string };
  readonly evaluator: { readonly command: string; readonly args: readonly string[]; readonly service: string; readonly rpc: string };
  /** What the job's admin tests applicants with (registerJob's `test_data`). */
  readonly testData?: OpOf<'registerJob'>['test_data'];
}

/** Where agents act: a node's API, an execution runtime, and the job's programs. */
export interface AgentEnvironment {
  readonly nodeUrl: string;
  readonly execution: ExecutionRuntime;
  readonly programs: JobPrograms;
  /** How long one effect may wait for the chain (a tx's block, a request's state). */
  readonly waitMs?: number;
  /** Limits of one run of a program. */
  readonly runWallTimeMs?: number;
  /** How long a worker's run log is kept in Big Storage; default: the worker's reservation's TTL. */
  readonly logTtlMs?: number;
  /**
   * A worker fetches the `blob://sha256:…` strings of a request's input from the node's Big
   * Storage (signed with its key: the blob's readers must include it) and hands each to its
   * program as the file `blobs/<hash>`: the program runs without a network. Default false.
   */
  readonly inputBlobs?: boolean;
}

/** The most blobs one request's input may name for a worker to fetch, each at most `smallBlobBytesMax` bytes. */
export const inputBlobsMax = 8;

/** The `blob://sha256:…` strings anywhere in `input`, each once, in order. */
export function blobRefsIn(input: unknown): string[] {
  const refs = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 32) return;
    if (typeof value === 'string' && /^blob:\/\/sha256:[0-9a-f]{64}$/.test(value)) refs.add(value);
    else if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
    else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) visit(item, depth + 1);
  };
  visit(input, 0);
  return [...refs];
}

/**
 * The run's files for the blobs a request's input names (`blobs/<hash>`, UTF-8), fetched with `key`
 * and hash-checked. On a request whose input was encrypted (`requestKey`: the key its client sealed
 * to this worker), a blob its client encrypted under that key (encryptBlob) is opened first: the
 * program gets the plaintext, the node and its peers only ever held ciphertext.
 */
export async function inputBlobFiles(nodeUrl: string, key: KeyPair, input: unknown, requestKey?: RequestKey): Promise<Record<string, string>> {
  const refs = blobRefsIn(input);
  if (refs.length > inputBlobsMax)
    throw new AinError('BAD_JOB_REQUEST', `The request's input names ${refs.length} blobs; a worker fetches at most ${inputBlobsMax} for one run.`);
  const files: Record<string, string> = {};
  for (const ref of refs) {
    const hash = ref.slice('blob://sha256:'.length);
    const bytes = await getSmallBlob({ nodeUrl, ref, key });
    const envelope = requestKey === undefined ? undefined : encryptedBlobOf(bytes);
    const plain = envelope === undefined ? bytes : decryptBlob(envelope, requestKey!.dataKey, requestKey!.job);
    files[`blobs/${hash}`] = new TextDecoder().decode(plain);
  }
  return files;
}

/** Characters of a failure's sentence a submitResult carries (the op's limit). */
const failureMessageCharsMax = 512;

const pollMs = 50;

/** How long an agent waits for the client to seal an encrypted input's key to it. */
const sealedKeyWaitMs = 30_000;

/** The data key a request's client sealed to this agent, and the request's job: what opens its input and its blobs. */
interface RequestKey {
  readonly dataKey: Buffer;
  readonly job: string;
}

/**
 * A request's encrypted input, opened: the data key the client sealed to this agent (waited for,
 * up to `sealedKeyWaitMs`), then the input under it, bound to the request's job. DECRYPT_FAILED,
 * or NOT_FOUND when no key came.
 */
async function openInput(
  nodeUrl: string,
  key: KeyPair,
  request: string,
  input: EncryptedInput,
  signal: AbortSignal,
): Promise<{ readonly input: unknown } & RequestKey> {
  const deadline = Date.now() + sealedKeyWaitMs;
  for (;;) {
    const { value } = await getState({ url: nodeUrl }, { path: `/jobs/sharedKeys/${request}/${key.address}` });
    if (typeof value === 'string') {
      const { job } = await getRequest({ url: nodeUrl }, { id: request });
      const dataKey = openDataKey(value, key);
      return { input: decryptInput(input, dataKey, job), dataKey, job };
    }
    if (signal.aborted) throw new AinError('SHUTTING_DOWN', 'The agent stopped.');
    if (Date.now() > deadline) throw new AinError('NOT_FOUND', `The client sealed no key for ${key.address} within ${sealedKeyWaitMs} ms.`);
    await sleep(pollMs);
  }
}

/**
 * Submits one key's ops through its submit queue (runtime/client): nonces reach the log in the
 * order the agent acts, while waits for blocks overlap, so an agent busy with several requests
 * is not one block per tx. Resolves once the op is `ok` in a block.
 */
export function submitterFor(key: KeyPair, nodeUrl: string, waitMs = 60_000): (op: Op) => Promise<Submitted> {
  const submitter = createNodeSubmitter({ nodeUrl, key, waitMs });
  return async (op) => {
    const { hash, height } = await submitter.submit(op);
    return { hash, height };
  };
}

/**
 * The effects the agent machines invoke (actors/agents), for one key: signed txs to the node's
 * API, polls of a request's state, runs of the job's programs in the execution runtime, and an
 * admin's approvals as its applicants apply.
 */
export function agentEffectsFor(key: KeyPair, env: AgentEnvironment) {
  const waitMs = env.waitMs ?? 60_000;
  const submit = submitterFor(key, env.nodeUrl, waitMs);
  return {
    submit: fromPromise<Submitted, { readonly op: Op }>(({ input }) => submit(input.op)),
    untilState: fromPromise<RequestView, { readonly request: string; readonly states: readonly string[] }>(async ({ input, signal }) => {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const view = await getRequest({ url: env.nodeUrl }, { id: input.request });
        if (input.states.includes(view.state)) return view;
        if (signal.aborted) throw new AinError('SHUTTING_DOWN', 'The agent stopped.');
        if (Date.now() > deadline) throw new AinError('NOT_FINAL', `Request ${input.request.slice(0, 16)}… is still ${view.state} after ${waitMs} ms.`);
        await sleep(pollMs);
      }
    }),
    untilRevealed: fromPromise<RequestView, { readonly request: string; readonly waitMs: number }>(async ({ input, signal }) => {
      const deadline = Date.now() + input.waitMs;
      for (;;) {
        const view = await getRequest({ url: env.nodeUrl }, { id: input.request });
        if (view.testData?.revealedAt !== undefined || Date.now() > deadline || signal.aborted) return view;
        await sleep(pollMs);
      }
    }),
    run: fromPromise<
      unknown,
      { readonly program: 'worker' | 'evaluator'; readonly request: unknown; readonly files?: Readonly<Record<string, string>>; readonly forRequest?: string }
    >(async ({ input, signal }) => {
      const program = env.programs[input.program];
      // An evaluation of a request whose input is encrypted: opened with the key its client sealed to this agent.
      const evaluated = input.request as { request?: unknown } | null;
      const request =
        input.forRequest !== undefined && isEncryptedInput(evaluated?.request)
          ? { ...evaluated, request: (await openInput(env.nodeUrl, key, input.forRequest, evaluated.request, signal)).input }
          : input.request;
      const { result } = env.execution.run(
        {
          command: program.command,
          args: [...program.args],
          files: { ...env.programs.files, ...input.files },
          request,
          schema: { proto: env.programs.proto, service: program.service, rpc: program.rpc },
          limits: { wallTimeMs: env.runWallTimeMs ?? 30_000 },
        },
        { signal },
      );
      const done = await result;
      if (!done.ok) throw new AinError(done.code ?? 'RUN_FAILED', done.message ?? 'The run failed.');
      return done.reply;
    }),
    runWorker: fromPromise<WorkerRun, { readonly request: string; readonly input: unknown; readonly readers: readonly string[] }>(
      async ({ input: given, signal }) => {
        const program = env.programs.worker;
        // An encrypted input is opened with the key the client sealed to this worker once it accepted.
        let input = given;
        let requestKey: RequestKey | undefined;
        if (isEncryptedInput(given.input)) {
          try {
            const opened = await openInput(env.nodeUrl, key, given.request, given.input, signal);
            input = { ...given, input: opened.input };
            requestKey = opened;
          } catch (error) {
            return {
              failure: { code: 'RUN_FAILED', message: `the worker could not open its encrypted input: ${errorText(error)}`.slice(0, failureMessageCharsMax) },
            };
          }
        }
        let blobFiles: Record<string, string> = {};
        if (env.inputBlobs === true) {
          try {
            blobFiles = await inputBlobFiles(env.nodeUrl, key, input.input, requestKey);
          } catch (error) {
            return {
              failure: { code: 'RUN_FAILED', message: `the worker could not fetch its input's blobs: ${errorText(error)}`.slice(0, failureMessageCharsMax) },
            };
          }
        }
        const handle = env.execution.run(
          {
            command: program.command,
            args: [...program.args],
            files: { ...env.programs.files, ...blobFiles },
            request: input.input,
            schema: { proto: env.programs.proto, service: program.service, rpc: program.rpc },
            limits: { wallTimeMs: env.runWallTimeMs ?? 30_000 },
          },
          { signal },
        );
        const kept = keepRunEvents(handle.events$);
        // While it runs, its progress and stderr lines go to the request's stream on the node (best effort).
        const poster = createProgressPoster({ nodeUrl: env.nodeUrl, key, request: input.request });
        handle.events$.subscribe({ next: (event) => event.type !== 'started' && poster.push(event), error: () => undefined });
        const done = await handle.result;
        await poster.flush();
        const text = runLogText({
          request: input.request,
          worker: key.address,
          runtime: env.execution.name,
          events: kept.events(),
          dropped: kept.dropped(),
          result: done,
        });
        const log = await keepRunLog({
          nodeUrl: env.nodeUrl,
          key,
          readers: input.readers,
          text,
          ...(env.logTtlMs === undefined ? {} : { ttlMs: env.logTtlMs }),
        });
        if (done.ok) return { reply: done.reply, ...log };
        const message = done.message ?? 'The run failed.';
        return {
          failure: {
            code: done.code ?? 'RUN_FAILED',
            message: message.length > failureMessageCharsMax ? `${message.slice(0, failureMessageCharsMax - 1)}…` : message,
          },
          ...log,
        };
      },
    ),
    applications: fromCallback<EventObject, { readonly job: string; readonly fromHeight?: number }>(({ input, sendBack }) => {
      const stop = new AbortController();
      (async () => {
        for await (const event of followStream(env.nodeUrl, `jobs/${input.job}`, { fromHeight: input.fromHeight ?? 1, signal: stop.signal })) {
          for (const e of (event.data as JobsEvent).events) {
            if (e.type === 'nodeApplied')
              sendBack({ type: 'APPLIED', node: e.node, role: e.role, ...(e.testResult === undefined ? {} : { testResult: e.testResult }) });
          }
        }
      })().catch((error: unknown) => {
        if (!stop.signal.aborted) sendBack({ type: 'APPLICATIONS_FAILED', error });
      });
      return () => stop.abort();
    }),
  };
}
