import { createStateTree, type ApplyContext, type StateGenesis, type StateTree } from '../../../projections/index.ts';

export const addr = (c: string): `0x${string}` => `0x${c.repeat(40).slice(0, 40)}`;
export const genesisKey = addr('a');
export const alice = addr('b');
export const bob = addr('c');
export const blob = (c: string) => `blob://sha256:${c.repeat(64).slice(0, 64)}`;

export function ctx(who: `0x${string}` | null, height = 1, time = 1_700_000_000_000): ApplyContext {
  return { auth: { addr: who }, time, height };
}

/** A tree owned by the genesis key with an open app at /apps/open (anyone may write). */
export function tree(genesis: StateGenesis = {}): StateTree {
  return createStateTree({ owner: genesisKey, ...genesis, rules: { '/apps/open': true, ...genesis.rules } });
}
