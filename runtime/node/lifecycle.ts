import type { Logger } from 'pino';

/**
 * A part of the node with a life of its own (js-libp2p's `Startable`): made with the components
 * it needs, then started, then stopped once.
 */
export interface Service {
  /** Begins its work (reading, timers, subscriptions, listening); absent when it works from the moment it is made. */
  start?(): void | Promise<void>;
  /** Ends its work and lets go of what it holds. Called once, only after `start` succeeded. */
  stop(): void | Promise<void>;
}

export interface LifecycleOptions {
  /** A stop step still running after this long is named in the log, so a stop that hangs says where. */
  readonly slowStopMs?: number;
}

export interface Lifecycle {
  /** Starts `service` and holds it to be stopped; resolves with it. A start that throws leaves nothing held. */
  start<S extends Service>(name: string, service: S): Promise<S>;
  /**
   * Stops every service started, last started first, each after the one before it has stopped.
   * A step still running after `slowStopMs` is logged (warn) with `describe()`. A step that fails is
   * logged and the others still stop; the first failure is thrown once all are done.
   */
  stop(describe?: () => object): Promise<void>;
}

/**
 * Starts services in dependency order and stops them in reverse, so each stops while what it
 * depends on still runs.
 * @example
 * const services = createLifecycle(logger)
 * await services.start('log', { stop: () => log.close() })
 * await services.stop()
 */
export function createLifecycle(logger: Logger, { slowStopMs = 10_000 }: LifecycleOptions = {}): Lifecycle {
  const started: { readonly name: string; readonly service: Service }[] = [];
  let stopping = false;
  return {
    async start(name, service) {
      if (stopping) throw new Error(`lifecycle: ${name} started after the stop began`);
      await service.start?.();
      started.push({ name, service });
      return service;
    },
    async stop(describe = () => ({})) {
      stopping = true;
      let failure: { error: unknown } | undefined;
      for (let next = started.pop(); next !== undefined; next = started.pop()) {
        const { name, service } = next;
        const slow = setTimeout(() => logger.warn({ step: name, ...describe() }, `stopping the node: ${name} takes more than ${slowStopMs} ms`), slowStopMs);
        try {
          await service.stop();
        } catch (error) {
          logger.error({ err: error, step: name }, `stopping the node: ${name} failed; the other parts still stop`);
          failure ??= { error };
        } finally {
          clearTimeout(slow);
        }
      }
      if (failure !== undefined) throw failure.error;
    },
  };
}
