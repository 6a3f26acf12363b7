import test from 'ava';
import { configuredQuotas } from '../../../runtime/storage/index.ts';

const nodeAddress = `0x${'1'.repeat(40)}`;
const alice = `0x${'a'.repeat(40)}`;

test('given the config\'s reservations, "node" is the node\'s own address and every other entry is its address', (t) => {
  const quotas = configuredQuotas({ node: { bytesMax: 100, ttlMs: 1000 }, [alice]: { bytesMax: 5, ttlMs: 10, readers: ['*'] } }, nodeAddress);
  t.deepEqual(quotas.reservationOf(nodeAddress), { bytesMax: 100, ttlMs: 1000 });
  t.deepEqual(quotas.reservationOf(alice), { bytesMax: 5, ttlMs: 10, readers: ['*'] });
  t.is(quotas.reservationOf('node'), undefined, '"node" is no address of its own');
  t.is(quotas.reservationOf(`0x${'b'.repeat(40)}`), undefined, 'anyone else: nothing');
});

test('an entry under the node\'s own address wins over "node"', (t) => {
  const quotas = configuredQuotas({ node: { bytesMax: 100, ttlMs: 1000 }, [nodeAddress]: { bytesMax: 7, ttlMs: 70 } }, nodeAddress);
  t.deepEqual(quotas.reservationOf(nodeAddress), { bytesMax: 7, ttlMs: 70 });
});

test('an empty table grants nobody anything, the node included', (t) => {
  t.is(configuredQuotas({}, nodeAddress).reservationOf(nodeAddress), undefined);
});
