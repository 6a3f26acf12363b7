import { randomBytes } from 'node:crypto';
import { AinError, type FunctionSpec } from '../../schemas/index.ts';

/** One HTTP call of a function, as its owner's function worker takes it. */
export interface Invocation {
  /** 32 hex characters, this node's name for the call. */
  readonly id: string;
  readonly functionId: string;
  readonly function: FunctionSpec;
  /** The pattern the function is registered at, and the path called with the `$variables` it binds. */
  readonly functionPath: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  /** The request body's `input`. */
  readonly input: unknown;
  /** The address that signed the call, or null for an unsigned one. */
  readonly caller: string | null;
  /** The node's latest block when the call came. */
  readonly height: number;
}

/** What a function worker answers a call with: the function's output, or why it gave none. */
export type InvocationAnswer = { readonly output: unknown } | { readonly error: { readonly code: string; readonly message: string } };

/** A call's answer as its worker posted it: the answer, the worker's signed header over it, and the time from the call's arrival. */
export interface SignedAnswer {
  readonly answer: InvocationAnswer;
  readonly authorization: string;
  readonly ms: number;
}

/** How one call may differ from the hub's defaults (a peer's call must fit its peer's wait). */
export interface InvokeOptions {
  /** The call's id, when the caller chose it (a forwarding node, to check the worker's signed answer). */
  readonly id?: string;
  readonly pickupMs?: number;
  readonly answerMs?: number;
  /** Ends the call (SHUTTING_DOWN) when its caller is gone. */
  readonly signal?: AbortSignal;
}

export interface InvocationHubOptions {
  /** How long a call waits for a worker of the function's owner to take it. */
  readonly pickupMs?: number;
  /** How long a taken call waits for its answer. */
  readonly answerMs?: number;
  /** Calls waiting or running at once, over all owners. */
  readonly pendingMax?: number;
  /** Calls one take hands out at most. */
  readonly takeMax?: number;
  /** How long after its last take a worker still counts as taking calls here. */
  readonly workerSeenMs?: number;
  /** Calls waiting or running at once for one owner's functions. */
  readonly pendingPerOwnerMax?: number;
}

/** Owners whose last take a hub remembers at most (the oldest are forgotten first). */
const ownersSeenMax = 10_000;

interface Pending {
  readonly invocation: Invocation;
  readonly owner: string;
  readonly started: number;
  taken: boolean;
  timer: NodeJS.Timeout;
  readonly answerMs: number;
  readonly settle: (result: SignedAnswer | AinError) => void;
}

interface Waiter {
  readonly resolve: (invocations: Invocation[]) => void;
  readonly max: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * Where HTTP calls of functions meet the function workers that run them (the serverless draft:
 * back-end code run "in response to … HTTP endpoint calls"): a call waits for a worker of the
 * function's owner to take it (`take`, a long poll), then for that worker's answer. Bounded in
 * calls at once and in time at each step; nothing of it is kept.
 */
export interface InvocationHub {
  /** Resolves with the worker's signed answer (its output or its error); NO_FUNCTION_WORKER, FUNCTION_TIMEOUT, OVERLOADED, SHUTTING_DOWN, BAD_REQUEST (an id in use). */
  invoke(call: Omit<Invocation, 'id'>, options?: InvokeOptions): Promise<SignedAnswer>;
  /** Up to `max` calls waiting for `owner`'s workers, at once or within `waitMs` (empty when none came, or when `signal` ends the wait first). */
  take(owner: string, waitMs: number, signal?: AbortSignal, max?: number): Promise<Invocation[]>;
  /** The answer to a call `owner` took, with the header that signed it; false when there is no such call (answered, timed out or never taken by it). */
  answer(owner: string, id: string, answer: InvocationAnswer, authorization: string): boolean;
  /** Whether a worker of `owner` takes calls from this node: one waits now, or took within `workerSeenMs`. */
  hasWorker(owner: string): boolean;
  /** Calls waiting or running now. */
  readonly pending: number;
  /** Ends every long poll (empty) and every waiting call (SHUTTING_DOWN). */
  close(): void;
}

export function createInvocationHub({
  pickupMs = 5000,
  answerMs = 30_000,
  pendingMax = 1000,
  takeMax = 16,
  workerSeenMs = 10_000,
  pendingPerOwnerMax = 100,
}: InvocationHubOptions = {}): InvocationHub {
  const calls = new Map<string, Pending>();
  /** Each owner's last take (performance.now()), oldest first. */
  const seen = new Map<string, number>();
  const sawTake = (owner: string) => {
    seen.delete(owner);
    seen.set(owner, performance.now());
    if (seen.size > ownersSeenMax) seen.delete(seen.keys().next().value!);
  };
  const queues = new Map<string, Pending[]>();
  const waiters = new Map<string, Waiter[]>();
  let closed = false;

  const handOut = (owner: string, max = takeMax): Invocation[] => {
    const queue = queues.get(owner) ?? [];
    const given = queue.splice(0, Math.max(1, Math.min(max, takeMax)));
    if (queue.length === 0) queues.delete(owner);
    for (const call of given) {
      call.taken = true;
      clearTimeout(call.timer);
      call.timer = setTimeout(
        () =>
          finish(
            call,
            new AinError(
              'FUNCTION_TIMEOUT',
              `${owner}'s function worker took the call of ${call.invocation.functionId} but gave no answer within ${call.answerMs} ms.`,
            ),
          ),
        call.answerMs,
      );
    }
    return given.map((call) => call.invocation);
  };
  const finish = (call: Pending, result: SignedAnswer | AinError) => {
    if (!calls.delete(call.invocation.id)) return;
    clearTimeout(call.timer);
    const queue = queues.get(call.owner);
    if (queue !== undefined && queue.includes(call)) queue.splice(queue.indexOf(call), 1);
    if (queue?.length === 0) queues.delete(call.owner);
    call.settle(result);
  };
  const pendingOf = (owner: string) => {
    let count = 0;
    for (const call of calls.values()) if (call.owner === owner) count++;
    return count;
  };

  return {
    get pending() {
      return calls.size;
    },
    hasWorker(owner) {
      if ((waiters.get(owner)?.length ?? 0) > 0) return true;
      const last = seen.get(owner);
      return last !== undefined && performance.now() - last < workerSeenMs;
    },
    invoke(call, { id, pickupMs: pickup = pickupMs, answerMs: answering = answerMs, signal } = {}) {
      if (closed) return Promise.reject(new AinError('SHUTTING_DOWN', 'The node is stopping; call the function again on a node that runs.'));
      if (calls.size >= pendingMax)
        return Promise.reject(new AinError('OVERLOADED', `This node has ${pendingMax} function calls waiting or running; call again in a moment.`));
      const owner = call.function.owner ?? '';
      if (pendingOf(owner) >= pendingPerOwnerMax)
        return Promise.reject(
          new AinError('OVERLOADED', `${owner}'s functions have ${pendingPerOwnerMax} calls waiting or running on this node; call again in a moment.`),
        );
      if (id !== undefined && calls.has(id)) return Promise.reject(new AinError('BAD_REQUEST', `A call ${id} is already waiting on this node.`));
      const invocation: Invocation = { ...call, id: id ?? randomBytes(16).toString('hex') };
      return new Promise((resolve, reject) => {
        const pending: Pending = {
          invocation,
          owner,
          started: performance.now(),
          taken: false,
          answerMs: answering,
          timer: setTimeout(
            () =>
              finish(
                pending,
                new AinError(
                  'NO_FUNCTION_WORKER',
                  `No function worker of ${owner || 'the function’s owner'} took the call of ${call.functionId} within ${pickup} ms: start one following this node (ain agent --role function --key <its key>).`,
                ),
              ),
            pickup,
          ),
          settle: (result) => (result instanceof AinError ? reject(result) : resolve(result)),
        };
        calls.set(invocation.id, pending);
        queues.set(owner, [...(queues.get(owner) ?? []), pending]);
        signal?.addEventListener('abort', () => finish(pending, new AinError('SHUTTING_DOWN', 'The caller is gone.')), { once: true });
        const waiting = waiters.get(owner)?.shift();
        if (waiting !== undefined) {
          clearTimeout(waiting.timer);
          waiting.resolve(handOut(owner, waiting.max));
        }
      });
    },
    take(owner, waitMs, signal, max = takeMax) {
      if (closed || signal?.aborted === true) return Promise.resolve([]);
      sawTake(owner);
      if ((queues.get(owner)?.length ?? 0) > 0) return Promise.resolve(handOut(owner, max));
      return new Promise((resolve) => {
        const list = waiters.get(owner) ?? [];
        // A wait that ends (its time, or the worker gone) leaves the list, so no call is handed to it.
        const leave = () => {
          clearTimeout(waiter.timer);
          const left = waiters.get(owner);
          if (left !== undefined && left.includes(waiter)) left.splice(left.indexOf(waiter), 1);
          if (left?.length === 0) waiters.delete(owner);
          resolve([]);
        };
        const waiter: Waiter = { resolve, max, timer: setTimeout(leave, waitMs) };
        signal?.addEventListener('abort', leave, { once: true });
        list.push(waiter);
        waiters.set(owner, list);
      });
    },
    answer(owner, id, answer, authorization) {
      const call = calls.get(id);
      if (call === undefined || call.owner !== owner || !call.taken) return false;
      finish(call, { answer, authorization, ms: Math.round(performance.now() - call.started) });
      return true;
    },
    close() {
      closed = true;
      for (const list of waiters.values()) {
        for (const waiter of list.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.resolve([]);
        }
      }
      for (const call of [...calls.values()]) finish(call, new AinError('SHUTTING_DOWN', 'The node stopped before the function answered.'));
    },
  };
}
