// A serving transport in a child process (real libp2p on 127.0.0.1) and, in the test's process, a
// bare libp2p node connected to it: a requester that speaks the request protocol's frames itself,
// so a test can do what ain's own transport never does (leave streams open, reset them at once).
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import type { ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { createLibp2p, type Libp2p } from 'libp2p';
import '../../../runtime/net/index.ts'; // Promise.withResolvers on Node 20, before libp2p runs
import { startChildPeer, type ChildInit, type ChildPeer } from './childPeer.ts';

/** A child serving with `limits`, and a bare requester connected to it; both stopped after the test. */
export async function rawRequesterOf(t: ExecutionContext, limits: ChildInit['limits']): Promise<{ server: ChildPeer; requester: Libp2p; serverId: PeerId }> {
  const server = await startChildPeer({ name: 'server', seedHex: randomBytes(32).toString('hex'), ...(limits === undefined ? {} : { limits }) });
  t.teardown(() => server.close());
  const requester = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  await requester.start();
  t.teardown(() => requester.stop());
  await requester.dial(multiaddr(server.addresses[0]!));
  return { server, requester, serverId: peerIdFromString(server.peerId) };
}
