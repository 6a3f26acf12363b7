import type { KeyPair } from '../../log/index.ts';
import type { JobEvent } from '../../projections/index.ts';
import { followStream, getState, sealDataKey } from '../client/index.ts';
import { submitterFor } from './nodeAgentEffects.ts';

export interface KeySharerOptions {
  readonly nodeUrl: string;
  /** The request's client. */
  readonly key: KeyPair;
  readonly job: string;
  readonly request: string;
  /** The key its input is encrypted under (`encryptInput`). */
  readonly dataKey: Buffer;
  /** The height of the request's block, or earlier. */
  readonly fromHeight: number;
  /** A node it could not share with, and why. */
  readonly onError?: (node: string, error: unknown) => void;
}

/** A client's key sharer: the nodes it shared the key with so far, and a way to stop. */
export interface KeySharer {
  readonly sharedWith: readonly string[];
  stop(): Promise<void>;
}

/**
 * A client's half of encrypted job data: follows its request's job and, as each node accepts the
 * request (the evaluator, each worker), seals the data key to the box key that node published
 * and submits it (`shareKey`), so only the nodes that took the request read its input.
 * @example const sharer = startKeySharer({ nodeUrl, key: client, job, request, dataKey, fromHeight })
 */
export function startKeySharer({ nodeUrl, key, job, request, dataKey, fromHeight, onError }: KeySharerOptions): KeySharer {
  const submit = submitterFor(key, nodeUrl);
  const sharedWith: string[] = [];
  const stopping = new AbortController();
  const share = async (node: string) => {
    const { value } = await getState({ url: nodeUrl }, { path: `/jobs/boxKeys/${request}/${node}` });
    if (typeof value !== 'string') throw new Error(`${node} published no box key`);
    await submit({ type: 'shareKey', request_id: request, node, sealed: sealDataKey(dataKey, value) });
    sharedWith.push(node);
  };
  const following = (async () => {
    for await (const event of followStream(nodeUrl, `jobs/${job}`, { fromHeight, signal: stopping.signal })) {
      for (const e of (event.data as { events: JobEvent[] }).events) {
        if (e.type !== 'accepted' || e.request !== request || sharedWith.includes(e.node)) continue;
        await share(e.node).catch((error: unknown) => onError?.(e.node, error));
      }
    }
  })().catch(() => undefined);
  return {
    sharedWith,
    async stop() {
      stopping.abort();
      await following;
    },
  };
}
