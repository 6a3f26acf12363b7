// The transport contract over real libp2p: three nodes on 127.0.0.1, each in a child process
// (transportChild.ts), B started first and A and C bootstrapping to it, so they form a line.
import { randomBytes } from 'node:crypto';
import { transportContract } from './contract.ts';
import { startChildPeer, type ChildPeer } from './childPeer.ts';

transportContract('libp2p', async (count, limits) => {
  const children: ChildPeer[] = [];
  const start = (index: number, bootstrap: readonly string[]) =>
    startChildPeer({ name: `n${index}`, seedHex: randomBytes(32).toString('hex'), bootstrap, limits: limits[index] }).then((child) => {
      children[index] = child;
      return child;
    });
  const close = async () => void (await Promise.all(children.filter(Boolean).map((child) => child.close())));
  try {
    const hub = await start(1, []);
    await Promise.all(
      Array.from({ length: count }, (_, index) => index)
        .filter((index) => index !== 1)
        .map((index) => start(index, hub.addresses)),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { peers: children, close };
});
