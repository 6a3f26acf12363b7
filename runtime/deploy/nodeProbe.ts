import { z } from 'zod';

import { safeParse } from '../../schemas/index.ts';

/** How long one read of a node's API may take before the node counts as not answering. */
const probeTimeoutMs = 2000;

/** `GET /v1/health`, the fields read here. */
const Health = z.object({
  ok: z.boolean(),
  height: z.number().int().min(0),
  finalized: z.number().int().min(0),
  /** What keeps the node from its work (absent on nodes from before it was said). */
  problems: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
});
export type NodeHealth = z.infer<typeof Health>;

/** `GET /v1/net`, the fields read here. */
const Net = z.object({
  peerId: z.string().optional(),
  peers: z.array(z.string()),
  /** The validator set now: each address with its stake (a decimal string). */
  validators: z.array(z.object({ address: z.string(), stake: z.string() })).optional(),
  height: z.number().int().min(0),
});
export type NodeNet = z.infer<typeof Net>;

/** Where a node is: its ledger height, its final height, its peers; undefined when it does not answer. */
export interface NodeProgress {
  readonly height: number;
  /** The highest final block it knows (`/v1/health`'s): on a network of validators the newest decided, final at once. */
  readonly finalized: number;
  readonly peers: number | null;
  /** The stake the node's address holds in the validator set now, `0` for none; null when the node does not say. */
  readonly stake: string | null;
  /** What keeps it from its work now (`/v1/health`'s `problems`): its brokers not answering, consensus or finality stalled, its key slashed. */
  readonly problems: readonly { readonly code: string; readonly message: string }[];
}

/** A node's progress from `/v1/health` and, where it has one, `/v1/net`. */
export async function progressOf(url: string, address?: string): Promise<NodeProgress | undefined> {
  const [health, net] = await Promise.all([healthOf(url), netOf(url)]);
  if (health === undefined) return undefined;
  const stake = net?.validators === undefined || address === undefined ? null : (net.validators.find((v) => v.address === address)?.stake ?? '0');
  return { height: health.height, finalized: health.finalized, peers: net?.peers.length ?? null, stake, problems: health.problems ?? [] };
}

/** The node's `/v1/health`, or undefined when it does not answer well within a short time. */
export const healthOf = (url: string): Promise<NodeHealth | undefined> => read(url, '/v1/health', Health);

/** The node's `/v1/net`, or undefined when it does not answer well within a short time. */
export const netOf = (url: string): Promise<NodeNet | undefined> => read(url, '/v1/net', Net);

async function read<S extends z.ZodType>(url: string, path: string, schema: S): Promise<z.output<S> | undefined> {
  try {
    const response = await fetch(new URL(path, url), { signal: AbortSignal.timeout(probeTimeoutMs) });
    if (!response.ok) return undefined;
    const parsed = safeParse(schema, await response.json());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
