// What the transport contract drives: one peer of a test network, in this process (a memory
// transport) or in a child process (a libp2p transport, through transportChild.ts). Both run the
// same commands (`runCommand`), so the validators and handlers under test are the same code.
import type { PublishResult, Transport, Validation } from '../../../runtime/net/index.ts';
import { AinError, isAinError } from '../../../schemas/index.ts';

/** What a handler does, by name, so a child process can be told. */
export type Behaviour = 'echo' | 'whoami' | 'hang' | 'hanging' | 'stubborn' | 'fail' | 'refuse' | 'sized';

/** A payload: a text, that many bytes of "x", or any bytes (base64, for bytes that are not UTF-8). */
export type Payload = string | number | { readonly base64: string };

export type NetEvent =
  | { readonly event: 'peer'; readonly type: string; readonly peer: string; readonly topic?: string }
  | { readonly event: 'validated'; readonly topic: string; readonly text: string; readonly from: string; readonly result: Validation }
  | { readonly event: 'message'; readonly topic: string; readonly text: string; readonly from: string };

export type Command =
  | { readonly op: 'subscribe'; readonly topic: string }
  | { readonly op: 'publish'; readonly topic: string; readonly payload: Payload }
  | { readonly op: 'handle'; readonly protocol: string; readonly behaviour: Behaviour }
  /** Answers every request of `protocol` with `payload` from now on (registered on the first serve). */
  | { readonly op: 'serve'; readonly protocol: string; readonly payload: Payload }
  | {
      readonly op: 'request';
      readonly peer: string;
      readonly protocol: string;
      readonly payload: Payload;
      readonly timeoutMs: number;
      readonly maxAnswerBytes?: number;
    }
  | { readonly op: 'peers' }
  | { readonly op: 'subscribers'; readonly topic: string }
  | { readonly op: 'stop' };

/** A request's answer as the test sees it: its size and (the start of) its text. */
export interface Answer {
  readonly bytes: number;
  readonly text: string;
}

/** An error thrown by a peer under test, with the code of the AinError behind it. */
export class PeerCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PeerUnderTest {
  readonly peerId: string;
  readonly events: EventRecorder;
  subscribe(topic: string): Promise<void>;
  publish(topic: string, payload: Payload): Promise<PublishResult>;
  handle(protocol: string, behaviour: Behaviour): Promise<void>;
  serve(protocol: string, payload: Payload): Promise<void>;
  request(peer: string, protocol: string, payload: Payload, timeoutMs?: number, maxAnswerBytes?: number): Promise<Answer>;
  peers(): Promise<string[]>;
  subscribers(topic: string): Promise<string[]>;
  /** Stops the transport (a child process then exits by itself). */
  stop(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytesOf = (payload: Payload) =>
  typeof payload === 'number'
    ? new Uint8Array(payload).fill(0x78)
    : typeof payload === 'string'
      ? encoder.encode(payload)
      : new Uint8Array(Buffer.from(payload.base64, 'base64'));
/** What each transport answers the protocols it was told to `serve`. */
const served = new WeakMap<Transport, Map<string, Uint8Array>>();
const textOf = (bytes: Uint8Array) => decoder.decode(bytes.subarray(0, 200));

/** The contract's validator: text starting with "reject" is rejected, with "ignore" ignored, with "keep" kept, the rest accepted. */
export function contractValidation(text: string): Validation {
  if (text.startsWith('reject')) return 'reject';
  if (text.startsWith('ignore')) return 'ignore';
  if (text.startsWith('keep')) return 'keep';
  return 'accept';
}

let hanging = 0;
let stubborn = 0;
const handlers: Record<Behaviour, (bytes: Uint8Array, from: string, signal: AbortSignal) => Promise<Uint8Array>> = {
  echo: async (bytes) => bytes,
  whoami: async (_, from) => encoder.encode(from),
  hang: (_, __, signal) => {
    hanging++;
    return new Promise((_resolve, reject) =>
      signal.addEventListener('abort', () => {
        hanging--;
        reject(new Error('abandoned'));
      }),
    );
  },
  /** Never answers, and does not heed its signal either: a handler still at work after its asker left. */
  stubborn: () => {
    stubborn++;
    return new Promise<never>(() => undefined);
  },
  /** How many `hang` handlers of this process wait now (their signal not aborted yet), and how many `stubborn` ones ever started. */
  hanging: async () => encoder.encode(`${hanging} ${stubborn}`),
  fail: async () => {
    throw new Error('the handler broke');
  },
  refuse: async () => {
    throw new AinError('NOT_FOUND', 'no block at that height');
  },
  sized: async (bytes) => bytesOf(Number(decoder.decode(bytes))),
};

/** Runs one command against a transport, reporting what it sees to `emit`. */
export async function runCommand(transport: Transport, command: Command, emit: (event: NetEvent) => void): Promise<unknown> {
  switch (command.op) {
    case 'subscribe':
      transport.subscribe(command.topic, {
        validate(bytes, from) {
          const result = contractValidation(decoder.decode(bytes));
          emit({ event: 'validated', topic: command.topic, text: textOf(bytes), from, result });
          return result;
        },
        onMessage: (bytes, from) => emit({ event: 'message', topic: command.topic, text: textOf(bytes), from }),
      });
      return null;
    case 'publish':
      return transport.publish(command.topic, bytesOf(command.payload));
    case 'handle':
      return transport.handle(command.protocol, handlers[command.behaviour]).then(() => null);
    case 'serve': {
      const answers = served.get(transport) ?? new Map<string, Uint8Array>();
      served.set(transport, answers);
      const first = !answers.has(command.protocol);
      answers.set(command.protocol, bytesOf(command.payload));
      return first ? transport.handle(command.protocol, async () => answers.get(command.protocol)!).then(() => null) : null;
    }
    case 'request': {
      const { timeoutMs, maxAnswerBytes } = command;
      const answer = await transport.request(command.peer, command.protocol, bytesOf(command.payload), {
        timeoutMs,
        ...(maxAnswerBytes === undefined ? {} : { maxAnswerBytes }),
      });
      return { bytes: answer.length, text: textOf(answer) } satisfies Answer;
    }
    case 'peers':
      return transport.peers();
    case 'subscribers':
      return transport.subscribers(command.topic);
    case 'stop':
      return transport.stop().then(() => null);
  }
}

/** Every error a command throws, as the code and sentence a test can check. */
export function commandError(error: unknown): { code: string; message: string } {
  return isAinError(error) ? { code: error.code, message: error.message } : { code: 'TEST_HARNESS', message: String((error as Error)?.stack ?? error) };
}

/** The events a peer reported, and a bounded wait for the one a test needs (past ones count). */
export class EventRecorder {
  readonly all: NetEvent[] = [];
  private waiters: { match: (event: NetEvent) => boolean; resolve: (event: NetEvent) => void }[] = [];

  push(event: NetEvent): void {
    this.all.push(event);
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(event)) continue;
      this.waiters = this.waiters.filter((other) => other !== waiter);
      waiter.resolve(event);
    }
  }

  count(match: (event: NetEvent) => boolean): number {
    return this.all.filter(match).length;
  }

  waitFor<E extends NetEvent>(match: (event: NetEvent) => event is E, what: string, options?: WaitOptions): Promise<E>;
  waitFor(match: (event: NetEvent) => boolean, what: string, options?: WaitOptions): Promise<NetEvent>;
  waitFor(match: (event: NetEvent) => boolean, what: string, { timeoutMs = 20_000, since = 0 }: WaitOptions = {}): Promise<NetEvent> {
    const seen = this.all.slice(since).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other.resolve !== done);
        reject(new Error(`waited ${timeoutMs} ms for ${what}; saw ${JSON.stringify(this.all.slice(-8))}`));
      }, timeoutMs);
      const done = (event: NetEvent) => {
        clearTimeout(timer);
        resolve(event);
      };
      this.waiters.push({ match, resolve: done });
    });
  }
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Only events recorded at this index or later count (`all.length` before an action). */
  readonly since?: number;
}

/** A transport of this process as a peer under test. */
export function inProcessPeer(transport: Transport): PeerUnderTest {
  const events = new EventRecorder();
  transport.peerEvents$.subscribe((event) => events.push({ event: 'peer', ...event }));
  const run = (command: Command) =>
    runCommand(transport, command, (event) => events.push(event)).catch((error: unknown) => {
      const { code, message } = commandError(error);
      throw new PeerCommandError(code, message);
    });
  return {
    peerId: transport.peerId,
    events,
    ...commandMethods(run),
    stop: async () => void (await run({ op: 'stop' })),
  };
}

/** The peer's methods that are one command each, whichever way `run` carries a command to its transport. */
export function commandMethods(
  run: (command: Command) => Promise<unknown>,
): Pick<PeerUnderTest, 'subscribe' | 'publish' | 'handle' | 'serve' | 'request' | 'peers' | 'subscribers'> {
  return {
    subscribe: async (topic) => void (await run({ op: 'subscribe', topic })),
    publish: (topic, payload) => run({ op: 'publish', topic, payload }) as Promise<PublishResult>,
    handle: async (protocol, behaviour) => void (await run({ op: 'handle', protocol, behaviour })),
    serve: async (protocol, payload) => void (await run({ op: 'serve', protocol, payload })),
    request: (peer, protocol, payload, timeoutMs = 5_000, maxAnswerBytes?: number) =>
      run({ op: 'request', peer, protocol, payload, timeoutMs, ...(maxAnswerBytes === undefined ? {} : { maxAnswerBytes }) }) as Promise<Answer>,
    peers: () => run({ op: 'peers' }) as Promise<string[]>,
    subscribers: (topic) => run({ op: 'subscribers', topic }) as Promise<string[]>,
  };
}
