import {
  currentValidatorSet,
  ok,
  readAccount,
  readSupply,
  refuse,
  setStake,
  writeAmounts,
  writeSupply,
  type Outcome,
  type StateTree,
  type StateValue,
} from '../../projections/index.ts';
import {
  recordValidators,
  ShardRules,
  ShardRulesRecord,
  shardRulesPath,
  type ShardRulesVersion,
  validatorsOfRecord,
  type Genesis,
  type OpOf,
  type RulesProof,
  type ShardValidator,
} from '../../schemas/index.ts';

/**
 * A shard's own rules, on its own chain (the architecture paper: "the nodes who have the
 * permission to write the consensus rules for the shard may change the protocol"). The record
 * a `shardRules` tx writes at `/consensus/rules` is the one the parent checks by proof; the
 * rules in force are copied to `/consensus/rulesInForce` when it takes effect, for the node's
 * consensus to read (both paths only the ledger writes).
 */
const rulesInForcePath = '/consensus/rulesInForce';

/** Blocks from a `shardRules` tx to its height in force: the block between names the record in its lastRoot. */
export const shardRulesDelay = 2;

/** The rules record on this chain, or null before the first change. */
export function readShardRulesRecord(tree: StateTree): ShardRulesRecord | null {
  const stored = tree.get(shardRulesPath);
  if (stored === null) return null;
  const parsed = ShardRulesRecord.safeParse(stored);
  if (!parsed.success) throw new Error(`the ledger's own shard rules record at ${shardRulesPath} does not parse: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * The consensus rules a shard's chain runs by at its next height: the last change in force, else
 * its branch's; null on a chain that is no shard.
 * @example shardRulesInForce(chain.ledger.tree, genesis)?.timeouts.proposeMs
 */
export function shardRulesInForce(tree: StateTree, genesis: Pick<Genesis, 'branch'>): ShardRules | null {
  if (genesis.branch === undefined) return null;
  const stored = tree.get(rulesInForcePath);
  return stored === null ? genesis.branch.rules : ShardRules.parse(stored);
}

/** A value without the fields zod left undefined, as the state tree takes it. */
const plain = (value: unknown): StateValue => JSON.parse(JSON.stringify(value)) as StateValue;

/**
 * The validators with stake now, in the order of the last list (the last record's, else the
 * branch's), anyone else after by address: what a change that names none keeps.
 */
function validatorsNow(tree: StateTree, order: readonly string[], slashed?: string, power?: bigint): ShardValidator[] {
  const rank = new Map(order.map((address, index) => [address, index]));
  const at = (address: string) => rank.get(address) ?? order.length;
  const stakes = new Map(currentValidatorSet(tree).stakes);
  if (slashed !== undefined) stakes.set(slashed, power!);
  return [...stakes]
    .filter(([address, stake]) => stake > 0n && (address === slashed || !readAccount(tree, address).slashed))
    .sort(([a], [b]) => at(a) - at(b) || (a < b ? -1 : 1))
    .map(([address, stake]) => ({ address, stake: stake.toString() }));
}

export interface ShardRulesContext {
  readonly tree: StateTree;
  readonly genesis: Pick<Genesis, 'branch' | 'block' | 'proposers'>;
  readonly from: string;
  /** The block the tx is applied in. */
  readonly height: number;
}

/**
 * `shardRules`, on a shard's own chain: a signer with `write_rule` at `/` writes version n + 1
 * of the rules record (what the tx leaves out stays as it is), in force from two blocks on.
 * Refused: `NOT_A_SHARD`, `OWNER_DENIED`, `BAD_RULES` (the block limits stay the branch's; a
 * slashed validator listed; no validator left), `RULES_PENDING` (a change not yet in force: the
 * parent may already have learned of it).
 */
export function applyShardRules(ctx: ShardRulesContext, op: OpOf<'shardRules'>): { outcome: Outcome; record?: ShardRulesRecord } {
  const { tree, genesis, from, height } = ctx;
  if (genesis.branch === undefined) {
    return {
      outcome: refuse('NOT_A_SHARD', 'This chain is not a shard (its genesis names no branch); a shardRules tx goes to the chain of the shard it changes.'),
    };
  }
  const denied = tree.checkRight('/', 'write_rule', from);
  if (denied !== undefined) {
    return {
      outcome:
        denied.code === 'OWNER_DENIED'
          ? refuse('OWNER_DENIED', `${from} may not change this shard's rules: the owner config at / does not give it write_rule.`)
          : denied,
    };
  }
  const { rules } = op;
  if (rules !== undefined) {
    for (const limit of ['maxTxs', 'maxBytes'] as const) {
      if (rules[limit] !== undefined && rules[limit] !== genesis.block[limit]) {
        return {
          outcome: refuse(
            'BAD_RULES',
            `The shard's ${limit} is ${genesis.block[limit]}, fixed by its branch (every node cuts blocks by it); leave ${limit} out or keep it.`,
          ),
        };
      }
    }
  }
  const slashed = op.validators?.find((v) => readAccount(tree, v.address).slashed);
  if (slashed !== undefined) {
    return { outcome: refuse('BAD_RULES', `${slashed.address} was slashed on this shard and may not validate it again; leave it out.`) };
  }
  const last = readShardRulesRecord(tree);
  if (last !== null && last.from > height) {
    return {
      outcome: refuse('RULES_PENDING', `Version ${last.version} of this shard's rules takes effect at height ${last.from}; change them again from then on.`),
    };
  }
  const validators = op.validators ?? validatorsNow(tree, last === null ? genesis.proposers : validatorsOfRecord(last).map((v) => v.address));
  const record: ShardRulesRecord = {
    version: (last?.version ?? 0) + 1,
    from: height + shardRulesDelay,
    rules: rules ?? shardRulesInForce(tree, genesis)!,
    validators: recordValidators(validators),
  };
  const parsed = ShardRulesRecord.safeParse(record);
  if (!parsed.success) {
    return { outcome: refuse('BAD_RULES', `The shard's rules would not hold: ${parsed.error.issues[0]?.message ?? 'invalid'}; name its validators.`) };
  }
  tree.writeSystem(shardRulesPath, plain(record));
  return { outcome: ok, record };
}

/** A record without its own prior: the prior of the next. */
const standalone = ({ version, from, rules, validators }: ShardRulesRecord): ShardRulesVersion => ({ version, from, rules, validators });

/** The version of `record` that takes effect at `height`: itself or its prior, or null. */
function versionFrom(record: ShardRulesRecord | null, height: number): ShardRulesVersion | null {
  if (record === null) return null;
  if (record.from === height) return record;
  return record.prior?.from === height ? record.prior : null;
}

/**
 * At the end of block `height`: a rules version in force from the next height sets the
 * validators' voting power (who is left out goes to 0) and the rules the node's consensus reads.
 * Accounts' stakes move with it and the shard's supply, which counts voting power, by the
 * difference (a slashed validator's stake stays burned: only its power follows the version). Before
 * the next height's validator set is drawn.
 */
export function activateShardRules(tree: StateTree, height: number): void {
  const version = versionFrom(readShardRulesRecord(tree), height + 1);
  if (version === null) return;
  const after = new Map(validatorsOfRecord(version).map((v) => [v.address, BigInt(v.stake)]));
  const powers = currentValidatorSet(tree).stakes;
  let supply = readSupply(tree);
  for (const address of [...new Set([...powers.keys(), ...after.keys()])].sort()) {
    const account = readAccount(tree, address);
    const power = powers.get(address) ?? 0n;
    // Exactly what the version lists, as the parent holds it; a slashed validator's stake stays burned.
    const target = after.get(address) ?? 0n;
    if (!account.slashed && account.stake !== target) {
      writeAmounts(tree, address, { stake: target });
      supply += target - account.stake;
    }
    if (power !== target) setStake(tree, address, target);
  }
  writeSupply(tree, supply);
  tree.writeSystem(rulesInForcePath, plain(version.rules));
}

/**
 * On a shard's chain, a validator slashed in block `height` (its stake burned) keeps its voting
 * power until a rules record without it is in force two blocks on, as any change of the set, so
 * that the parent, which follows the set only through records, learns of it in time (CometBFT
 * also applies a block's validator changes two heights later). A record written in this block
 * already loses the validator too; one that waits for the next height and lists it becomes the
 * new record's `prior`. Nothing is written when no validator would be left.
 * @example recordShardSlash(tree, genesis, offender, powerBefore, header.height)
 */
export function recordShardSlash(tree: StateTree, genesis: Pick<Genesis, 'branch' | 'proposers'>, address: string, power: bigint, height: number): void {
  if (genesis.branch === undefined) return;
  const last = readShardRulesRecord(tree);
  const listed = (version: Pick<ShardRulesVersion, 'validators'>) => validatorsOfRecord(version).some((v) => v.address === address);
  const without = (version: Pick<ShardRulesVersion, 'validators'>) => recordValidators(validatorsOfRecord(version).filter((v) => v.address !== address));
  const waiting = last !== null && last.from === height + 1 ? last : null;
  let record: ShardRulesRecord | null = null;
  if (last !== null && last.from === height + shardRulesDelay) {
    // Written in this block already: it loses the validator too (its prior, if any, holds one height first, on both chains).
    if (listed(last)) record = { ...last, validators: without(last) };
  } else if (waiting !== null) {
    // The version that holds next height drops it, or lists it: then a version without it follows, that one its prior.
    if (listed(waiting))
      record = { version: waiting.version + 1, from: height + shardRulesDelay, rules: waiting.rules, validators: without(waiting), prior: standalone(waiting) };
  } else if (power > 0n) {
    const order = last === null ? genesis.proposers : validatorsOfRecord(last).map((v) => v.address);
    const inForce = { validators: recordValidators(validatorsNow(tree, order, address, power)) };
    record = { version: (last?.version ?? 0) + 1, from: height + shardRulesDelay, rules: shardRulesInForce(tree, genesis)!, validators: without(inForce) };
  }
  // No validator left: the chain stops here, on both sides (its set is empty from the next height).
  if (record !== null && Object.keys(record.validators).length === 0) return;
  if (power > 0n) setStake(tree, address, power);
  if (record !== null) tree.writeSystem(shardRulesPath, plain(record));
}

/**
 * The proof a block that wrote a rules record leaves for the reporters: the record against the
 * state root after the block, which the next block's proposal names as its lastRoot.
 */
export function rulesProofAfter(tree: StateTree, height: number): RulesProof | undefined {
  const record = readShardRulesRecord(tree);
  if (record === null || record.from !== height + shardRulesDelay) return undefined;
  return { record, proof: tree.proof(shardRulesPath) as RulesProof['proof'] };
}
