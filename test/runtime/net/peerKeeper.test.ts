import test from 'ava';
import { multiaddr } from '@multiformats/multiaddr';
import { pino } from 'pino';
import { announceAddress, configuredDialsOnly, keptPeer } from '../../../runtime/net/peerKeeper.ts';
import { listenAddress } from '../../../runtime/net/libp2pTransport.ts';
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

test('listenAddress: an IPv4 or IPv6 address as it is, localhost as 127.0.0.1; another name is BAD_CONFIG naming host, not a multiaddr stack', (t) => {
  t.is(listenAddress('0.0.0.0', 9001), '/ip4/0.0.0.0/tcp/9001');
  t.is(listenAddress('::1', 9001), '/ip6/::1/tcp/9001');
  t.is(listenAddress('localhost', 0), '/ip4/127.0.0.1/tcp/0');
  for (const host of ['example.com', 'not a host!', '']) {
    const error = t.throws(() => listenAddress(host, 9001));
    t.true(isAinError(error, 'BAD_CONFIG'), host);
    t.regex(error!.message, /is not an IP address, and its p2p port listens on one: give --host/);
  }
});
