import type { ConsensusEvent } from '../../schemas/index.ts';

/** One recent block as the network panel lists it: who proposed it, and how it was decided. */
export interface ProposedBlock {
  readonly height: number;
  readonly time: number;
  readonly proposer: string;
  /** The round it was decided in and the validators who signed its commit: known from the next block's certificate (null until then, and on a chain without one). */
  readonly round: number | null;
  readonly signers: number | null;
}

export interface NetworkState {
  /** False on a node without a p2p config (`GET /v1/net` answers 404): it is its own network. */
  readonly onNetwork: boolean;
  /** The peer ids connected when `GET /v1/net` was read, `networkPeersMax` at most; `peerCount` all of them. */
  readonly peers: readonly string[];
  readonly peerCount: number;
  /** Validator → stake, a decimal string of whole AIN (only validators with stake). */
  readonly stakes: Readonly<Record<string, string>>;
  /** Validator → its node's peer id and whether it answered the node in the last 10 s, as `GET /v1/net` last said (once the node reached it). */
  readonly reach: Readonly<Record<string, { readonly peerId: string; readonly reachable: boolean }>>;
  /** The latest blocks, ascending by height, `networkBlocksMax` at most. */
  readonly blocks: readonly ProposedBlock[];
}

/** One validator of the panel: its stake and its share of the voting power (stake / all stake). */
export interface ValidatorRow {
  readonly address: string;
  readonly stake: string;
  /** 0 to 1, to 4 decimals (from bigints: no float sums of money). */
  readonly power: number;
  /** How many of the panel's blocks it proposed. */
  readonly proposed: number;
  /** Its node's peer id and whether it answers the node, once the node reached it; null before (or behind relays). */
  readonly reach: { readonly peerId: string; readonly reachable: boolean } | null;
}

/** `GET /v1/net`, the fields the panel reads. */
export interface NetAnswer {
  readonly peers: readonly string[];
  readonly validators: readonly { readonly address: string; readonly stake: string; readonly peerId?: string; readonly reachable?: boolean }[];
}

export type NetworkEvent =
  | { readonly type: 'net'; readonly net: NetAnswer }
  /** `consensus` stream: a block's proposer, the certificate of the block before it, the stake it changed. */
  | { readonly type: 'consensus'; readonly data: ConsensusEvent };

/** Blocks the network panel lists. */
export const networkBlocksMax = 20;
/** Peers the network panel names. */
export const networkPeersMax = 64;

export const initialNetwork: NetworkState = { onNetwork: false, peers: [], peerCount: 0, stakes: {}, reach: {}, blocks: [] };

/**
 * The network panel from `GET /v1/net` and the `consensus` stream: peers, validators' stakes and
 * whether their nodes answer (each read of `GET /v1/net` says anew),
 * the proposer of each recent block, and, from the next block's certificate, the round it was
 * decided in and how many validators signed it. A block seen twice replaces itself; a validator
 * whose stake went to 0 leaves the set.
 * @example applyNetwork(initialNetwork, { type: 'consensus', data }).blocks.at(-1)?.proposer
 */
export function applyNetwork(state: NetworkState, event: NetworkEvent): NetworkState {
  if (event.type === 'net') {
    const stakes = Object.fromEntries(event.net.validators.filter((v) => v.stake !== '0').map((v) => [v.address, v.stake]));
    const peers = [...event.net.peers].sort().slice(0, networkPeersMax);
    const reach = Object.fromEntries(
      event.net.validators.flatMap((v) =>
        v.peerId === undefined || v.reachable === undefined ? [] : [[v.address, { peerId: v.peerId, reachable: v.reachable }]],
      ),
    );
    return { ...state, onNetwork: true, peers, peerCount: event.net.peers.length, stakes, reach };
  }
  const { height, time, proposer, commit, validators } = event.data;
  let blocks = state.blocks.filter((b) => b.height !== height);
  const at = blocks.findIndex((b) => b.height > height);
  const mine: ProposedBlock = { height, time, proposer, round: null, signers: null };
  blocks = at < 0 ? [...blocks, mine] : [...blocks.slice(0, at), mine, ...blocks.slice(at)];
  if (commit !== null) blocks = blocks.map((b) => (b.height === commit.height ? { ...b, round: commit.round, signers: commit.signers.length } : b));
  let stakes = state.stakes;
  if (validators.length > 0) {
    const next: Record<string, string> = { ...stakes };
    for (const { address, after } of validators)
      if (after === '0') delete next[address];
      else next[address] = after;
    stakes = next;
  }
  return { ...state, stakes, blocks: blocks.slice(-networkBlocksMax) };
}

/** The validators by stake (then address), with their share of the voting power and the panel's blocks each proposed. */
export function validatorRows(state: NetworkState): ValidatorRow[] {
  const total = Object.values(state.stakes).reduce((sum, s) => sum + BigInt(s), 0n);
  const proposed = new Map<string, number>();
  for (const { proposer } of state.blocks) proposed.set(proposer, (proposed.get(proposer) ?? 0) + 1);
  return Object.entries(state.stakes)
    .map(([address, stake]) => ({
      address,
      stake,
      power: total === 0n ? 0 : Number((BigInt(stake) * 10_000n) / total) / 10_000,
      proposed: proposed.get(address) ?? 0,
      reach: state.reach[address] ?? null,
    }))
    .sort((a, b) => {
      const x = BigInt(a.stake);
      const y = BigInt(b.stake);
      return x === y ? (a.address < b.address ? -1 : 1) : x > y ? -1 : 1;
    });
}
