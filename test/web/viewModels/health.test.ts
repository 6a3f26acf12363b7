import test from 'ava';
import { applyHealth, healthNamesMax, initialHealth } from '../../../web/viewModels/index.ts';

// The overview's health panel: a view model of GET /v1/health, without a node or a browser.

test('before the first read the panel knows nothing; a read with no problem says so', (t) => {
  t.false(initialHealth.read);
  t.deepEqual(applyHealth(initialHealth, { problems: [] }), { read: true, rows: [] });
  t.deepEqual(applyHealth(initialHealth, {}), { read: true, rows: [] }, 'an answer without problems (an older node) is no problem');
});

test('each problem is a row with its sentence, since when, and the validators and peers it names; the next read replaces them', (t) => {
  const unreachable = {
    code: 'VALIDATORS_UNREACHABLE',
    message: 'Validators 0xaa… have not answered.',
    since: 1_000,
    missing: ['0xaa'],
    peers: ['12D3KooWx'],
  };
  const one = applyHealth(initialHealth, { problems: [unreachable, { code: 'VALIDATOR_SLASHED', message: 'This node’s key was slashed.' }] });
  t.deepEqual(one.rows, [
    { code: 'VALIDATORS_UNREACHABLE', message: unreachable.message, since: 1_000, validators: ['0xaa'], peers: ['12D3KooWx'], more: 0 },
    { code: 'VALIDATOR_SLASHED', message: 'This node’s key was slashed.', since: null, validators: [], peers: [], more: 0 },
  ]);
  t.deepEqual(applyHealth(one, { problems: [] }).rows, [], 'cleared on the node: gone from the panel');
});

test('a failed read, or an answer of another shape, makes the panel unknown again rather than "no problems"', (t) => {
  const one = applyHealth(initialHealth, { problems: [{ code: 'VALIDATOR_SLASHED', message: 'slashed' }] });
  t.deepEqual(applyHealth(one, null), initialHealth);
  t.deepEqual(applyHealth(one, { problems: 'none' } as never), initialHealth);
  t.deepEqual(applyHealth(one, 'busy' as never), initialHealth);
});

test('a problem naming many is listed up to healthNamesMax of each kind, the rest counted', (t) => {
  const many = Array.from({ length: healthNamesMax + 5 }, (_, i) => `0x${i}`);
  const [row] = applyHealth(initialHealth, { problems: [{ code: 'CONSENSUS_STALLED', message: 'stuck', missing: many, peers: many.slice(0, 2) }] }).rows;
  t.is(row!.validators.length, healthNamesMax);
  t.is(row!.peers.length, 2);
  t.is(row!.more, 5);
});
