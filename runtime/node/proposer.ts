import type { Logger } from 'pino';
import type { Observable, Subscription } from 'rxjs';
import { createActor, fromPromise, type Actor } from 'xstate';
import { proposerMachine, type Chain, type ProposerView } from '../../actors/index.ts';
import type { Service } from './lifecycle.ts';
import type { NodeSigner } from './nodeSigner.ts';

export interface ProposerOptions {
  /** Where its cutter stands: a marker is for the next height. */
  readonly chain: Pick<Chain, 'position'>;
  readonly signer: NodeSigner;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** False while the node is still replaying its log: a marker then would be for a stale height. */
  readonly caughtUp: () => boolean;
  /** Records wait that need a block (see Follower.hasWork). */
  readonly hasWork: () => boolean;
  /** Records of any kind wait (attestations of idle blocks included). */
  readonly hasPending: () => boolean;
  /** Each value asks for a cut now if work waits (Follower.quorum$: attestations waiting complete a quorum). */
  readonly cutSoon$?: Observable<unknown>;
  /** Work that waits this long with no new block is logged (warn), with what the proposer sees and `describe()`. */
  readonly stallWarnMs?: number;
  /** More of the node's state for that warning (its read-back of appends, say). */
  readonly describe?: () => Record<string, unknown>;
}

export interface Proposer extends Service {
  /** Cuts now if anything waits, without waiting for the timer (e.g. a quorum of attestations); nothing before `start`. */
  cutSoon(options?: { evenIfIdle?: boolean }): void;
  start(): void;
  stop(): void;
}

/**
 * The node's ProposerActor (actors/agents/proposerMachine), run live once started: it reads the
 * chain and the follower when it decides, and appends its cut markers with the node's signer.
 */
export function createProposer({
  chain,
  signer,
  intervalMs,
  logger,
  caughtUp,
  hasWork,
  hasPending,
  cutSoon$,
  stallWarnMs = 10_000,
  describe,
}: ProposerOptions): Proposer {
  const machine = proposerMachine.provide({
    actors: {
      appendCut: fromPromise<{ height: number }, { height: number }>(async ({ input }) => {
        await signer.submit({ type: 'cut', height: input.height });
        return input;
      }),
    },
    actions: {
      reportError: ({ context }) => logger.warn({ err: context.lastError }, 'could not append a cut marker; will retry'),
    },
  });
  const view = () => ({ height: chain.position.height, caughtUp: caughtUp(), hasWork: hasWork(), hasPending: hasPending() });
  let running: { actor: Actor<typeof machine>; watch: NodeJS.Timeout; asked?: Subscription } | undefined;
  const cutSoon: Proposer['cutSoon'] = (options) => running?.actor.send({ type: 'CUT_SOON', evenIfIdle: options?.evenIfIdle === true });
  return {
    cutSoon,
    start() {
      if (running !== undefined) return;
      const actor = createActor(machine, { input: { intervalMs, view } }).start();
      const watch = watchForStalls({
        stallWarnMs,
        logger,
        height: () => chain.position.height,
        look: () => ({ ...view(), proposer: actor.getSnapshot().value, ...describe?.() }),
      });
      running = { actor, watch };
      running.asked = cutSoon$?.subscribe(() => cutSoon());
    },
    stop() {
      if (running === undefined) return;
      running.asked?.unsubscribe();
      clearInterval(running.watch);
      running.actor.stop();
      running = undefined;
    },
  };
}

/**
 * A chain that stops cutting while work waits leaves every agent polling a request that never
 * moves; this says so in the log once per stalled height, with what the proposer saw, so the
 * stall names its step (a cut marker's append not read back, a node not caught up, …).
 */
function watchForStalls({
  stallWarnMs,
  logger,
  height,
  look,
}: {
  stallWarnMs: number;
  logger: Logger;
  height: () => number;
  look: () => ProposerView & Record<string, unknown>;
}): NodeJS.Timeout {
  let since = { height: height(), checks: 0 };
  let warned = -1;
  const everyMs = Math.max(1, Math.floor(stallWarnMs / 4));
  const timer = setInterval(() => {
    const seen = look();
    if (seen.height !== since.height || !seen.hasWork) {
      since = { height: seen.height, checks: 0 };
      return;
    }
    if (++since.checks * everyMs < stallWarnMs || warned === seen.height) return;
    warned = seen.height;
    logger.warn(
      { ...seen, waitedMs: since.checks * everyMs },
      `work has waited ${Math.round((since.checks * everyMs) / 1000)} s for block ${seen.height}, and no block was cut`,
    );
  }, everyMs);
  timer.unref();
  return timer;
}
