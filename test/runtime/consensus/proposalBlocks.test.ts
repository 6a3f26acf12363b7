import test from 'ava';
import { createChain, parseGenesis } from '../../../actors/index.ts';
import { proposalHashOf, recordsRootOf, sha256Hex, signProposal } from '../../../log/index.ts';
import type { ProposedBlock, Tx } from '../../../schemas/index.ts';
import { recordSignedAgain } from '../../fixtures/ed25519Points.ts';
import {
  buildBlock,
  certifiedDecided,
  checkBlock,
  checkCertified,
  checkDecided,
  verifiedBy,
  type CertifiedBlock,
} from '../../../runtime/consensus/proposalBlocks.ts';
import { createVerifyPool } from '../../../runtime/ingest/index.ts';
import { key } from '../../actors/ledger/chain.ts';
import { appendBlock, buildOn, certificateOf, genesis, genesisHash, mempoolTexts, newChain, validators } from '../../actors/chain/proposals.ts';
import { commits, limits, mempool } from './proposalFixtures.ts';

// How a validator judges a proposal of its next block: a block proposed again in a later round
// (Algorithm 1's valid value, validRound ≥ 0) carries the header and cut of the validator who made
// it, not of the round's proposer, and is judged as that validator's block.

function blockBy(maker: (typeof validators)[number]) {
  const chain = newChain();
  const block = buildBlock({ chain, genesis, commits, limits, key: maker, mempool: mempool(mempoolTexts(3)), height: 1, nonce: 0, nowMs: 5_000 });
  return { chain, block: block as ProposedBlock };
}

/** `block` proposed for `height` (1 by default) by `signer`, in `round` with `validRound` (a new block in round 0 by default). */
function proposalBy(signer: (typeof validators)[number], block: ProposedBlock, { round = 0, validRound = -1, height = 1, chain = genesis.chain } = {}) {
  return signProposal(signer, { chain, shard: '/', height, round, validRound, block }, genesisHash);
}

/** Validator 0's block of `texts` at height 1 with the second one's signature changed by a digit: the forged record. */
function withForgedSecond(chain: ReturnType<typeof newChain>, texts: readonly string[]): { block: ProposedBlock; forged: string } {
  const forged = texts[1]!.replace(/"sig":"(.)/, (_, c: string) => `"sig":"${c === 'a' ? 'b' : 'a'}`);
  const records = [texts[0]!, forged, texts[2]!];
  const block = buildBlock({ chain, genesis, commits, limits, key: validators[0]!, mempool: mempool(records), height: 1, nonce: 0, nowMs: 5_000 });
  return { block: block as ProposedBlock, forged };
}

test('a block proposed in round 0 is judged as its signer’s', (t) => {
  const { chain, block } = blockBy(validators[0]!);
  const proposal = proposalBy(validators[0]!, block);
  t.is(checkBlock(proposal, { chain, genesis, commits, limits, nowMs: 5_000 }), null);
  const bySomeoneElse = proposalBy(validators[1]!, block);
  t.is(checkBlock(bySomeoneElse, { chain, genesis, commits, limits, nowMs: 5_000 })?.code, 'BAD_PROPOSAL', 'a new block must be its signer’s');
});

test('a block proposed again in a later round is judged as the block of the validator who made it', (t) => {
  const { chain, block } = blockBy(validators[0]!);
  const again = proposalBy(validators[1]!, block, { round: 2, validRound: 1 });
  t.is(checkBlock(again, { chain, genesis, commits, limits, nowMs: 5_000 }), null);
});

test('a block proposed again that no validator made is refused', (t) => {
  const outsider = key(99);
  const { chain, block } = blockBy(outsider);
  const again = proposalBy(validators[1]!, block, { round: 2, validRound: 1 });
  t.is(checkBlock(again, { chain, genesis, commits, limits, nowMs: 5_000 })?.code, 'BAD_PROPOSAL');
});

test('a block of a staked address the genesis does not name among its proposers is refused: the cutter would never close it', (t) => {
  // Consensus picks proposers among all the stakes; such a genesis lets only its proposers cut.
  const apart = parseGenesis({ ...genesis, proposers: validators.slice(0, 3).map((v) => v.address) });
  const judged = (maker: (typeof validators)[number]) => {
    const chain = createChain({ genesis: apart });
    const block = buildBlock({ chain, genesis: apart, commits, limits, key: maker, mempool: mempool(mempoolTexts(3)), height: 1, nonce: 0, nowMs: 5_000 });
    const proposal = proposalBy(maker, block as ProposedBlock, { chain: apart.chain });
    return checkBlock(proposal, { chain, genesis: apart, commits, limits, nowMs: 5_000 });
  };
  t.is(judged(validators[0]!), null);
  t.like(judged(validators[3]!), { code: 'BAD_PROPOSAL' });
  t.regex(judged(validators[3]!)!.message, /may not close a block on this chain/);
});

test('a live proposal whose commit is signed at or below its maker’s last nonce is refused: the ledger would refuse that commit', (t) => {
  const chain = newChain();
  const maker = validators[0]!;
  const first = buildOn(chain, maker);
  appendBlock(chain, first);
  const kept = { ...commits, get: (height: number) => (height === 1 ? certificateOf(1, first.hash) : undefined) };
  const judged = (nonce: number) => {
    const block = buildOn(chain, maker, { certificate: certificateOf(1, first.hash), nonce });
    const proposal = proposalBy(maker, block, { height: 2 });
    return checkBlock(proposal, { chain, genesis, commits: kept, limits, nowMs: 5_000 });
  };
  const last = (chain.ledger.tree.get(`/accounts/${maker.address}/nonce`) as number | null) ?? 0;
  t.true(last >= 1, 'its block 1 used a nonce');
  t.is(judged(last + 1), null);
  t.like(judged(last), { code: 'BAD_PROPOSAL' });
  t.regex(judged(last)!.message, /commit's nonce/);
});

test('records the mempool holds are taken as checked; the block is judged the same', (t) => {
  const texts = mempoolTexts(3);
  const { chain, block } = blockBy(validators[0]!);
  const proposal = proposalBy(validators[0]!, block);
  t.is(checkBlock(proposal, { chain, genesis, commits, limits, nowMs: 5_000, mempool: mempool(texts) }), null);
  const late = proposalBy(validators[0]!, { ...block, header: { ...block.header, time: 99_000 } });
  t.is(checkBlock(late, { chain, genesis, commits, limits, nowMs: 5_000, mempool: mempool(texts) })?.code, 'BAD_PROPOSAL');
});

test('a record the mempool holds under another signature is not taken as checked: its own signature is checked, and fails', (t) => {
  const texts = mempoolTexts(3);
  const forged = texts.map((text, i) => (i === 1 ? text.replace(/"sig":"(.)/, (_, c: string) => `"sig":"${c === 'a' ? 'b' : 'a'}`) : text));
  t.not(forged[1], texts[1]);
  const chain = newChain();
  const block = buildBlock({
    chain,
    genesis,
    commits,
    limits,
    key: validators[0]!,
    mempool: mempool(forged),
    height: 1,
    nonce: 0,
    nowMs: 5_000,
  }) as ProposedBlock;
  const proposal = proposalBy(validators[0]!, block);
  const refusal = checkBlock(proposal, { chain, genesis, commits, limits, nowMs: 5_000, mempool: mempool(texts) });
  t.is(refusal?.code, 'BAD_PROPOSAL');
  t.regex(refusal?.message ?? '', /record 1 is refused/);
});

test('records a compact proposal was filled with from the mempool are taken as checked by their text; any other record is checked whole', (t) => {
  const texts = mempoolTexts(3);
  const { chain, block } = blockBy(validators[0]!);
  const proposal = proposalBy(validators[0]!, block);
  const source = mempool(texts);
  const heldOf = (text: string) => source.heldByRef(sha256Hex(text))!;
  const held = new Map(texts.map((text) => [text, heldOf(text)]));
  t.is(checkBlock(proposal, { chain, genesis, commits, limits, nowMs: 5_000, held }), null);
  // A bad signature the fill did not vouch for is checked, and fails; vouched for under another text, it still is.
  const { block: tampered } = withForgedSecond(chain, texts);
  const bad = proposalBy(validators[0]!, tampered);
  const refusal = checkBlock(bad, { chain, genesis, commits, limits, nowMs: 5_000, held: new Map([...held, [texts[1]!, heldOf(texts[1]!)]]) });
  t.regex(refusal?.message ?? '', /record 1 is refused/);
});

test('records the verify threads pass, byte for byte canonical, count as held; a forged or re-spaced one is left to the check', async (t) => {
  const pool = createVerifyPool({ threads: 1, chain: genesis.chain });
  t.teardown(() => pool.close());
  const verify = (texts: readonly string[]) => pool.verify(texts);
  const texts = mempoolTexts(3);
  const forged = texts[1]!.replace(/"sig":"(.)/, (_, c: string) => `"sig":"${c === 'a' ? 'b' : 'a'}`);
  const spaced = texts[2]!.replace('{', '{ ');
  t.deepEqual([...(await verifiedBy(verify, [texts[0]!, forged, spaced])).keys()], [texts[0]]);
  const { chain, block } = blockBy(validators[0]!);
  const proposal = proposalBy(validators[0]!, block);
  const held = await verifiedBy(verify, block.records);
  t.true(held.size >= texts.length, 'every tx, and the proposer’s cut, passed the verify threads');
  t.is(checkBlock(proposal, { chain, genesis, commits, limits, nowMs: 5_000, held }), null);
});

test('a decided block a peer sent takes the records this node checked already as checked, and checks the rest whole', (t) => {
  const texts = mempoolTexts(3);
  const chain = newChain();
  const { block, forged } = withForgedSecond(chain, texts);
  const decided = { height: 1, records: block.records, certificate: certificateOf(1, block.hash) };
  // Nothing held: every record is checked, and the forged one fails.
  t.regex(checkDecided(decided, { chain, genesis, commits, limits })?.message ?? '', /record 1 is refused/);
  const source = mempool(texts);
  const held = new Map(texts.map((text) => [text, source.heldByRef(sha256Hex(text))!]));
  // Held under its own text, the good records are taken; the forged text is not held, and still fails.
  t.regex(checkDecided(decided, { chain, genesis, commits, limits, held })?.message ?? '', /record 1 is refused/);
  // Vouched for (as the verify threads would for a text they passed: with no ref), it is taken as checked.
  const { ref: _ref, ...vouched } = held.get(texts[1]!)!;
  t.is(checkDecided(decided, { chain, genesis, commits, limits, held: new Map([...held, [forged, vouched]]) }), null);
  // A certificate for another hash is refused whatever is held, and before any record is judged.
  t.is(checkDecided({ ...decided, certificate: certificateOf(1, 'c'.repeat(64)) }, { chain, genesis, commits, limits, held })?.code, 'BAD_COMMIT');
  t.like(certifiedDecided({ ...decided, certificate: certificateOf(1, 'c'.repeat(64)) }, { chain, genesis, commits, limits }), { code: 'BAD_COMMIT' });
  const certified = certifiedDecided(decided, { chain, genesis, commits, limits });
  t.false('code' in certified, 'the certificate holds: the forged record is for the second half to find');
  t.regex(checkCertified(certified as CertifiedBlock, { chain, genesis, commits, limits })?.message ?? '', /record 1 is refused/);
  // A record sent re-spaced (not its canonical JSON) hashes to no tx: the certificate does not hold for what was sent.
  const respaced = { ...decided, records: decided.records.map((text, i) => (i === 2 ? text.replace('{', '{ ') : text)) };
  t.like(certifiedDecided(respaced, { chain, genesis, commits, limits }), { code: 'BAD_COMMIT' });
});

test('a decided block with a record its signer signed again (the same tx hash, other bytes) is not the block its certificate decided', (t) => {
  const { chain, block } = blockBy(validators[0]!);
  const maker = validators[0]!;
  const records = [...block.records.slice(0, -1), recordSignedAgain(JSON.parse(block.records.at(-1)!) as Tx, maker)];
  const decided = { height: 1, records: block.records, certificate: certificateOf(1, block.hash) };
  t.is(checkDecided(decided, { chain, genesis, commits, limits }), null);
  t.like(certifiedDecided({ ...decided, records }, { chain, genesis, commits, limits }), { code: 'BAD_COMMIT' });
});

test('a decided block whose last record is no cut a block can hold (a time past JSON numbers, a signer that is no address) is refused, not thrown', (t) => {
  const chain = newChain();
  const certificate = certificateOf(1, 'c'.repeat(64));
  const cut = (fields: string) => `{"op":{"type":"cut"},${fields}}`;
  for (const last of [
    cut('"from":"0x1111111111111111111111111111111111111111","time":1e400'),
    cut('"from":"\\ud800","time":5'),
    cut('"from":"0xab","time":5'),
    cut('"time":5.5'),
  ]) {
    const refusal = certifiedDecided({ height: 1, records: [last], certificate }, { chain, genesis, commits, limits });
    t.like(refusal, { code: 'BAD_PROPOSAL' }, last);
    t.regex((refusal as { message: string }).message, /does not end with a cut marker/);
  }
});

test('a held record is judged by the op type it was held with; where only a cut may be, it is parsed and refused', (t) => {
  const texts = mempoolTexts(4);
  const { chain, block } = blockBy(validators[0]!);
  // Other records make another block (its recordsRoot, its hash): only the record rules judge it.
  const proposal = (records: readonly string[]) => {
    const header = { ...block.header, recordsRoot: recordsRootOf(records) };
    return proposalBy(validators[0]!, { hash: proposalHashOf(header), header, records: [...records] });
  };
  const source = mempool(texts);
  const held = new Map(texts.map((text) => [text, { ...source.heldByRef(sha256Hex(text))!, type: 'send' }]));
  t.is(checkBlock(proposal(block.records), { chain, genesis, commits, limits, nowMs: 5_000, held }), null);
  // The cut replaced by a fourth held tx: the check parses it to read the cut it must be, and refuses.
  const noCut = checkBlock(proposal([...block.records.slice(0, -1), texts[3]!]), { chain, genesis, commits, limits, nowMs: 5_000, held });
  t.like(noCut, { code: 'BAD_PROPOSAL', details: { problem: 'cut' } });
  // A held record said to be a cut where a cut may not be is refused by that type alone.
  const saidCut = new Map([...held, [texts[1]!, { ...held.get(texts[1]!)!, type: 'cut' }]]);
  t.like(checkBlock(proposal(block.records), { chain, genesis, commits, limits, nowMs: 5_000, held: saidCut }), { details: { problem: 'record', index: 1 } });
});

test('a decided block is judged by the last block’s certificate its own commit carries when this node holds none (its log cut back below its commit store); one too few signed is refused', (t) => {
  const chain = newChain();
  const one = buildOn(chain, validators[0]!);
  appendBlock(chain, one);
  const decidedBy = (signers: typeof validators, hash = one.hash) => {
    const two = buildOn(chain, validators[1]!, { certificate: certificateOf(1, hash, signers), nonce: 1 });
    const certified = certifiedDecided({ height: 2, records: two.records, certificate: certificateOf(2, two.hash) }, { chain, genesis, commits, limits });
    if ('code' in certified) throw new Error(certified.message);
    return certified;
  };
  // This node's commit store holds no certificate of block 1 (fixtures' `commits` holds none).
  t.is(checkCertified(decidedBy(validators), { chain, genesis, commits, limits }), null);
  t.regex(checkCertified(decidedBy(validators.slice(0, 1)), { chain, genesis, commits, limits })?.message ?? '', /not more than 2\/3/);
  // One all signed, for a hash that is not the proposal hash this node's fold noted for its block 1: not taken.
  t.regex(checkCertified(decidedBy(validators, 'c'.repeat(64)), { chain, genesis, commits, limits })?.message ?? '', /holds no certificate of block 1/);
  // A live proposal of block 2 is still not judged without a certificate of this node's own.
  const live = buildOn(chain, validators[1]!, { certificate: certificateOf(1, one.hash), nonce: 1 });
  t.regex(
    checkBlock(proposalBy(validators[1]!, live, { height: 2 }), { chain, genesis, commits, limits, nowMs: 10_000 })?.message ?? '',
    /holds no certificate of block 1/,
  );
});
