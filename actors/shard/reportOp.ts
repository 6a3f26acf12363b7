import { blockHashOf, proposalHashOf } from '../../log/index.ts';
import { attestationsProblem, certificateProblem, ok, refuse, verifyProof, type Outcome } from '../../projections/index.ts';
import {
  isAttestCertificate,
  shardRulesPath,
  validatorsOfRecord,
  type ErrorCode,
  type OpOf,
  type ReportedBlock,
  type RulesProof,
  type ShardEvent,
  type ShardHeader,
  type ShardRulesRecord,
  type ShardRulesVersion,
} from '../../schemas/index.ts';
import type { ReportedHeader, ShardContext, ShardFork, ShardRulesState } from './shardMachine.ts';
import { short, stepShard, type ShardOpContext, type ShardOpResult } from './shardOpContext.ts';
import { keepReportedHeader, readReportedHeader, readShard, shardHeadersKept } from './shardStore.ts';

/**
 * The proposal hash a reported child header's certificate precommits: the proposal header's
 * fields, `lastRoot` included, hashed as the child's consensus hashes them.
 * @example proposalHashOfShardHeader(op.header) === op.certificate.hash
 */
export function proposalHashOfShardHeader(header: ShardHeader): string {
  const { chain, shard, height, prevHash, txRoot, recordsRoot, time, proposer, lastRoot } = header;
  return proposalHashOf({ chain, shard, height, prevHash, txRoot, recordsRoot, time, proposer, lastRoot });
}

/** The block hash of a reported child header: the sealed header's, without `lastRoot`. */
export function blockHashOfShardHeader(header: ShardHeader): string {
  const { lastRoot: _lastRoot, ...sealed } = header;
  return blockHashOf(sealed);
}

const recordOf = (header: ShardHeader, proposal: string, attested: boolean): ReportedHeader => ({
  height: header.height,
  hash: blockHashOfShardHeader(header),
  proposal,
  stateRoot: header.stateRoot,
  time: header.time,
  ...(attested ? { attested: true } : {}),
});

/** Whether a recorded block's state root is certified: the genesis's (the parent derived it), or one its attestations signed. */
const rootCertified = (last: ReportedHeader) => last.height === 0 || last.attested === true;

/** What a report comes to before anything is written: a refusal, a fork, or headers to record. */
type Decision =
  | { readonly kind: 'refused'; readonly outcome: Outcome }
  | { readonly kind: 'fork'; readonly fork: ShardFork }
  | {
      readonly kind: 'record';
      readonly headers: readonly ReportedHeader[];
      readonly restated: ReportedHeader | null;
      /** The shard's rules after the report, when a proved change moved them. */
      readonly rules: ShardRulesState | null;
      /** The changes of the child's rules the report proved, in order. */
      readonly learned: readonly ShardRulesRecord[];
    };

const refused = (code: ErrorCode, message: string): Decision => ({ kind: 'refused', outcome: refuse(code, message) });

/**
 * Decides a report's blocks against what the parent holds, in order. A block above the last
 * recorded one must be the next height (`REPORT_GAP`), link to it by `prevHash` and `lastRoot`
 * (`BAD_PREV_HASH`) and carry a certificate of more than 2/3 of the shard's stake for its
 * proposal hash (`BAD_CERTIFICATE`). A block at a recorded height is a second report of it:
 * skipped when it is the recorded block; a different certified proposal is a fork. The last
 * recorded block's own state root is certified only by the next block's certificate, so a
 * report may restate it (same proposal, other roots) when a block that links to the restated
 * one follows in the same report; otherwise the first report of a height stands. A child on
 * Kafka proves blocks by attestations of their sealed hash (`attestationsProblem`), counted with
 * the set after the block: a rules change a block carries is learned before they are counted,
 * and another attested block of a recorded height is a fork even with the same proposal.
 */
function decideReport(ctx: ShardOpContext, shard: ShardContext, blocks: readonly ReportedBlock[]): Decision {
  const { validators, version, pending, since, earlier } = shard;
  let rules: ShardRulesState = { validators, rules: shard.rules, version, pending, since, earlier };
  let moved = false;
  const learned: ShardRulesRecord[] = [];
  let powers = powersOf(rules);
  // A commit certificate precommits the proposal hash; attestations (a child on Kafka) name the block hash.
  const certified = (block: ReportedBlock, proposal: string, by = powers): string | null => {
    const scope = { chain: ctx.chain, shard: shard.path, genesis: shard.genesis, height: block.header.height, powers: by };
    return isAttestCertificate(block.certificate)
      ? attestationsProblem(block.certificate, { ...scope, hash: blockHashOfShardHeader(block.header) })
      : certificateProblem(block.certificate, { ...scope, hash: proposal });
  };
  /** The rules a block carries, once its lastRoot is certified: learned, or why not. */
  const learn = (block: ReportedBlock): string | null => {
    if (block.rules === undefined) return null;
    const after = learnRules(shard, rules, block.header, block.rules);
    if (typeof after === 'string') return after;
    if (after !== rules) {
      rules = after;
      moved = true;
      powers = powersOf(rules); // a change whose height passed holds from the next block on
      learned.push(block.rules.record);
    }
    return null;
  };
  let last = shard.last;
  const headers: ReportedHeader[] = [];
  let restated: ReportedHeader | null = null;
  for (const [index, block] of blocks.entries()) {
    const { header } = block;
    const proposal = proposalHashOfShardHeader(header);
    if (header.height > last.height) {
      if (header.height !== last.height + 1) {
        return refused(
          'REPORT_GAP',
          `The report is for child block ${header.height}, but the last block ${shard.path} reported is ${last.height}; report ${last.height + 1} first.`,
        );
      }
      if (header.prevHash !== last.hash || header.lastRoot !== last.stateRoot) {
        const which = header.prevHash !== last.hash ? `prevHash ${short(header.prevHash)}` : `lastRoot ${short(header.lastRoot)}`;
        const expected = header.prevHash !== last.hash ? short(last.hash) : short(last.stateRoot);
        return refused('BAD_PREV_HASH', `Child block ${header.height} of ${shard.path} has ${which}, but the recorded block ${last.height} gives ${expected}.`);
      }
      // Attestations of block h are counted with the set after it (in force at h + 1). A change
      // the block carries is learned before they are counted only when its lastRoot is certified
      // already — the recorded block's root the parent derived or attestations signed — never on
      // a root only a reporter vouches for (one a commit certificate does not cover yet): else
      // the change would pick the very set that checks the block. A commit certificate is the
      // set's of h, and certifies lastRoot itself.
      const attested = isAttestCertificate(block.certificate);
      const learnFirst = attested && rootCertified(last);
      if (learnFirst) {
        const problemOfRules = learn(block);
        if (problemOfRules !== null) return refused('BAD_REPORT', problemOfRules);
      }
      const due = dueAt(rules, attested ? header.height + 1 : header.height);
      if (due !== rules) {
        rules = due;
        moved = true;
        powers = powersOf(rules);
      }
      const problem = certified(block, proposal);
      if (problem !== null)
        return refused(
          'BAD_CERTIFICATE',
          `The certificate of child block ${header.height} of ${shard.path} does not prove it: ${problem}${rules.version === undefined ? '' : ` (the validators of version ${rules.version} of its rules)`}.`,
        );
      if (!learnFirst) {
        const problemOfRules = learn(block);
        if (problemOfRules !== null) return refused('BAD_REPORT', problemOfRules);
      }
      last = recordOf(header, proposal, attested);
      headers.push(last);
      continue;
    }
    const kept =
      header.height === last.height
        ? last
        : header.height > shard.last.height - shardHeadersKept
          ? readReportedHeader(ctx.tree, shard.genesis, header.height)
          : null;
    // The recorded tip sent again with the change its block before made (a reporter left it out):
    // its lastRoot is certified, as its proposal is the recorded one.
    if (kept !== null && header.height === shard.last.height && proposal === kept.proposal) {
      const problemOfRules = learn(block);
      if (problemOfRules !== null) return refused('BAD_REPORT', problemOfRules);
    }
    if (kept === null || blockHashOfShardHeader(header) === kept.hash) continue;
    // Attestations certify the state root too: another attested block of the proposal is a fork,
    // and a block recorded on attestations is never restated.
    if (proposal === kept.proposal && !isAttestCertificate(block.certificate) && kept.attested !== true) {
      if (header.height === last.height && index + 1 < blocks.length) {
        last = recordOf(header, proposal, false);
        restated = last;
      }
      continue;
    }
    // A fork's certificate is checked against the set that decided (or attested: the one after) that height.
    const set = isAttestCertificate(block.certificate) ? validatorsAt(dueAt(rules, header.height + 1), header.height + 1) : validatorsAt(rules, header.height);
    if (set === null) {
      return refused(
        'BAD_REPORT',
        `Child block ${header.height} of ${shard.path} is older than the validator sets the parent keeps; its fork cannot be judged here.`,
      );
    }
    const problem = certified(block, proposal, powersOf({ validators: set }));
    if (problem !== null) return refused('BAD_CERTIFICATE', `The certificate of child block ${header.height} of ${shard.path} does not prove it: ${problem}.`);
    return { kind: 'fork', fork: { childHeight: header.height, recorded: kept.proposal, reported: proposal, certificate: block.certificate } };
  }
  // A restated block is always followed by one that links to it (or the report was refused).
  if (headers.length === 0 && learned.length === 0) {
    return refused(
      'ALREADY_REPORTED',
      `Every block of the report is recorded already (${shard.path} has reported up to child block ${shard.last.height}); the first valid report of a height stands.`,
    );
  }
  return { kind: 'record', headers, restated, rules: moved ? rules : null, learned };
}

const powersOf = ({ validators }: Pick<ShardRulesState, 'validators'>) => new Map(validators.map((v) => [v.address, BigInt(v.stake)]));

/** Validator sets kept besides the current one, for forks of older heights. */
const earlierSetsKept = 8;

/** `version` in force: the set it replaces kept among the earlier ones. */
const activate = (rules: ShardRulesState, version: ShardRulesVersion, pending?: ShardRulesRecord): ShardRulesState => ({
  validators: validatorsOfRecord(version),
  rules: version.rules,
  version: version.version,
  pending,
  since: version.from,
  earlier: [...(rules.earlier ?? []), { from: rules.since ?? 1, validators: rules.validators }].slice(-earlierSetsKept),
});

/** The validators that decided child height `height`, as far as the parent keeps them, or null. */
function validatorsAt(rules: ShardRulesState, height: number): ShardRulesState['validators'] | null {
  if (height >= (rules.since ?? 1)) return rules.validators;
  for (const set of [...(rules.earlier ?? [])].reverse()) if (set.from <= height) return set.validators;
  return null;
}

/**
 * The shard's rules at child height `height`: the pending change once it holds there, or its
 * prior (a version a slashing replaced while it waited) between the two heights.
 */
function dueAt(rules: ShardRulesState, height: number): ShardRulesState {
  const { pending } = rules;
  if (pending === undefined) return rules;
  const { prior } = pending;
  const withPrior = prior !== undefined && prior.from <= height && prior.version > (rules.version ?? 0) ? activate(rules, prior, pending) : rules;
  return pending.from <= height ? activate(withPrior, pending) : withPrior;
}

/**
 * A change of the child's rules a reported block carries: its record must be what the child's
 * state held at `/consensus/rules` under the block's `lastRoot` (certified with the block). A
 * version above the parent's becomes pending, in force from its `from` height (at once for the
 * blocks after this one if that passed: a reporter left it out before); an older or equal one
 * changes nothing. A message when the proof does not hold.
 */
function learnRules(shard: ShardContext, rules: ShardRulesState, header: ShardHeader, given: RulesProof): ShardRulesState | string {
  const { record, proof } = given;
  let holds: boolean;
  try {
    holds = verifyProof(header.lastRoot, shardRulesPath, record, proof);
  } catch {
    holds = false; // a proof of the right shape that leads nowhere
  }
  if (!holds) {
    return `the rules record (version ${record.version}) given with child block ${header.height} of ${shard.path} is not what the child held at ${shardRulesPath} under that block's lastRoot ${short(header.lastRoot)}`;
  }
  const known = Math.max(rules.version ?? 0, rules.pending?.version ?? 0);
  if (record.version <= known) return rules;
  // A change whose height passed already (a reporter left it out before) holds from the next block on.
  return dueAt({ ...rules, pending: record }, header.height);
}

/** Why a report's blocks are not one run of this shard's consecutive blocks, or null. */
function shapeProblem(ctx: ShardOpContext, op: OpOf<'report'>, blocks: readonly ReportedBlock[]): string | null {
  for (const [index, { header }] of blocks.entries()) {
    if (header.chain !== ctx.chain || header.shard !== op.shard) {
      return `its block ${header.height} is of chain ${header.chain} shard ${header.shard}, not of chain ${ctx.chain} shard ${op.shard}`;
    }
    if (index > 0 && header.height !== blocks[0]!.header.height + index) {
      return `its blocks must be consecutive heights in order, but ${header.height} follows ${blocks[index - 1]!.header.height}`;
    }
  }
  return null;
}

/**
 * `report`: a validator of the shard reports child blocks with their certificates. Recorded ones
 * move the shard's last reported height and hash (and bring a stalled shard back to reporting);
 * a second certified proposal of a recorded height marks it forked. Refused: `UNKNOWN_SHARD`,
 * `SHARD_ENDED`, `SHARD_FORKED`, `NOT_VALIDATOR`, `BAD_REPORT`, and what `decideReport` refuses.
 */
export function applyReport(ctx: ShardOpContext, op: OpOf<'report'>): ShardOpResult {
  const { tree, from, time, height } = ctx;
  const shard = readShard(tree, op.shard);
  if (shard === null) return { outcome: refuse('UNKNOWN_SHARD', `No shard was branched at ${op.shard}; GET /v1/shards lists them.`) };
  const { context } = shard;
  if (shard.state === 'ended') return { outcome: refuse('SHARD_ENDED', `The shard ${op.shard} was closed by its owners; it takes no reports.`) };
  if (shard.state === 'forked') {
    const fork = context.fork!;
    return {
      outcome: refuse(
        'SHARD_FORKED',
        `The shard ${op.shard} forked at child block ${fork.childHeight} (certified proposals ${short(fork.recorded)} and ${short(fork.reported)}); it takes no reports until its owners close it.`,
      ),
    };
  }
  if (!context.validators.some((v) => v.address === from)) {
    return { outcome: refuse('NOT_VALIDATOR', `${from} is not a validator of the shard ${op.shard}; one of its validators reports its blocks.`) };
  }
  const first: ReportedBlock = { header: op.header, certificate: op.certificate, ...(op.rules === undefined ? {} : { rules: op.rules }) };
  const blocks: ReportedBlock[] = [first, ...(op.next ?? [])];
  const problem = shapeProblem(ctx, op, blocks);
  if (problem !== null) return { outcome: refuse('BAD_REPORT', `The report to ${op.shard} is refused: ${problem}.`) };
  const decision = decideReport(ctx, context, blocks);
  if (decision.kind === 'refused') return { outcome: decision.outcome };
  if (decision.kind === 'fork') {
    stepShard(tree, shard, { type: 'fork', fork: decision.fork, time });
    const { childHeight, recorded, reported } = decision.fork;
    return { outcome: ok, events: [{ type: 'forked', shard: op.shard, by: from, childHeight, recorded, reported, height, time }] };
  }
  const { headers, restated } = decision;
  if (restated !== null) keepReportedHeader(tree, context.genesis, restated);
  for (const header of headers) keepReportedHeader(tree, context.genesis, header);
  const last = headers.at(-1) ?? context.last;
  stepShard(tree, shard, { type: 'report', last, time, ...(decision.rules === null ? {} : { rules: decision.rules }) });
  const events: ShardEvent[] = [];
  if (headers.length > 0) {
    const childFrom = restated?.height ?? headers[0]!.height;
    events.push({ type: 'reported', shard: op.shard, by: from, childFrom, childTo: last.height, hash: last.hash, height, time });
  }
  for (const record of decision.learned) {
    const { version, from: childFrom, rules } = record;
    events.push({ type: 'rules', shard: op.shard, by: from, version, childFrom, validators: validatorsOfRecord(record), rules, height, time });
  }
  return { outcome: ok, events };
}
