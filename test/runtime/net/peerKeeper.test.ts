import test from 'ava';
import { multiaddr } from '@multiformats/multiaddr';
import { pino } from 'pino';
import { announceAddress, configuredDialsOnly, keptPeer } from '../../../runtime/net/peerKeeper.ts';
import { isAinError } from '../../../schemas/index.ts';

// The checks on the addresses a transport is given, and the gate of dialConfiguredOnly: given the
// kept peers, when libp2p asks about an address, then only the configured ones may be dialled.

const peerA = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';
const peerB = '12D3KooWExmYGmSPTb9HtA23nUwFpMZoFj723LqJ3BZ5qoDWBvU2';
const logger = pino({ level: 'silent' });

test('announceAddress: a multiaddr without a peer id; one with a peer id or not a multiaddr is BAD_CONFIG with a sentence', (t) => {
  t.is(announceAddress('/ip4/203.0.113.7/tcp/26656').toString(), '/ip4/203.0.113.7/tcp/26656');
  const named = t.throws(() => announceAddress(`/ip4/203.0.113.7/tcp/26656/p2p/${peerA}`));
  t.true(isAinError(named, 'BAD_CONFIG'));
  t.regex(named!.message, /names a peer id; leave it out, the node adds its own/);
  const garbage = t.throws(() => announceAddress('203.0.113.7:26656'));
  t.true(isAinError(garbage, 'BAD_CONFIG'));
  t.regex(garbage!.message, /is not a multiaddr/);
});

test('configuredDialsOnly: the kept peers at their configured addresses may be dialled; their learned addresses and other peers may not', async (t) => {
  const gate = configuredDialsOnly([keptPeer(`/ip4/127.0.0.1/tcp/4001/p2p/${peerA}`), keptPeer(`/dns4/sentry.example/tcp/26656/p2p/${peerB}`)], logger);
  const denied = async (address: string) => gate.denyDialMultiaddr!(multiaddr(address));
  t.false(await denied(`/ip4/127.0.0.1/tcp/4001/p2p/${peerA}`));
  t.false(await denied(`/dns4/sentry.example/tcp/26656/p2p/${peerB}`));
  t.true(await denied(`/ip4/127.0.0.1/tcp/4002/p2p/${peerA}`), 'another address of a kept peer, as identify tells it');
  t.true(await denied(`/ip4/127.0.0.1/tcp/4001/p2p/${peerB}`), 'a configured address under another peer id');
  t.true(await denied(`/ip4/10.0.0.9/tcp/26656/p2p/${peerB}`), 'what a DNS name might resolve to is not the name');
  t.true(await denied('/ip4/127.0.0.1/tcp/4001'), 'an address without the peer id it was configured with');
});
