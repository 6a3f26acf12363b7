// Child process of the libp2p tests: one libp2p transport on 127.0.0.1, driven by the test over a
// line protocol. argv[2] is a JSON ChildInit. Each stdin line is a command `{ id, op, … }` (see
// peerUnderTest.ts), answered on stdout by `{ id, ok }` or `{ id, error: { code, message } }`; the
// peer's events (`peer`, `validated`, `message`) are lines too, the first being
// `{ event: 'ready', peerId, addresses }`. After `stop`, or when stdin closes, it stops the
// transport and exits by itself: a stopped libp2p node would keep the process alive for seconds.
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { createLibp2pTransport } from '../../../runtime/net/index.ts';
import type { ChildInit } from './childPeer.ts';
import { commandError, runCommand, type Command } from './peerUnderTest.ts';

const init = JSON.parse(process.argv[2] ?? '{}') as ChildInit;
const write = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const logger = pino({ level: init.logLevel ?? 'warn', base: { child: init.name } }, pino.destination(2));
const transport = await createLibp2pTransport(
  {
    seed: new Uint8Array(Buffer.from(init.seedHex, 'hex')),
    port: init.port ?? 0,
    bootstrap: init.bootstrap,
    directPeers: init.directPeers,
    announce: init.announce,
    dialConfiguredOnly: init.dialConfiguredOnly,
    limits: init.limits,
  },
  { logger },
);
transport.peerEvents$.subscribe((event) => write({ event: 'peer', ...event }));
await transport.start();
write({ event: 'ready', peerId: transport.peerId, addresses: transport.addresses() });

const exit = async () => {
  await transport.stop();
  process.exit(0);
};
for await (const line of createInterface({ input: process.stdin })) {
  const { id, ...command } = JSON.parse(line) as Command & { id: number };
  // Commands run side by side: a request waiting for its answer does not hold up the next line.
  void runCommand(transport, command, write).then(
    (ok) => (write({ id, ok: ok ?? null }), command.op === 'stop' ? exit() : undefined),
    (error: unknown) => write({ id, error: commandError(error) }),
  );
}
await exit();
