import type { Certificate, Proposal, ProposalBlock, Vote } from '../../../schemas/index.ts';

// The simulated world of the consensus simulation: a clock of simulated milliseconds with a queue
// of events, a seeded random stream, and a network that loses, duplicates, delays (so reorders)
// and partitions messages until the global stabilisation time (GST), then delivers everything
// within a bound. `SimNetwork` is the shape an in-memory libp2p Transport can take over.

/** What validators send each other: consensus messages, a resend bundle, or a decided block for a peer that is behind. */
export type SimMessage =
  | { readonly type: 'proposal'; readonly proposal: Proposal }
  | { readonly type: 'vote'; readonly vote: Vote }
  | { readonly type: 'gossip'; readonly proposals: readonly Proposal[]; readonly votes: readonly Vote[] }
  | { readonly type: 'catchUp'; readonly height: number; readonly block: ProposalBlock; readonly certificate: Certificate };

export interface SimNetwork {
  send(from: string, to: string | 'all', message: SimMessage): void;
}

/** mulberry32: a small seeded generator, so one fast-check seed replays one schedule exactly. */
export class SeededRandom {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** A whole number in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(percent: number): boolean {
    return this.next() * 100 < percent;
  }
}

/** An event waiting in the scheduler; `cancel` takes it out. */
export interface Scheduled {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled?: boolean;
}

/** Simulated time: events run in (time, insertion) order; a binary heap keeps it cheap. */
export class Scheduler {
  nowMs = 0;
  events = 0;
  readonly #heap: Scheduled[] = [];
  #seq = 0;

  after(delayMs: number, run: () => void): Scheduled {
    const item: Scheduled = { atMs: this.nowMs + delayMs, seq: this.#seq++, run };
    const heap = this.#heap;
    heap.push(item);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
    return item;
  }

  cancel(item: Scheduled): void {
    item.cancelled = true;
  }

  /** The simulated clock as `setTimeout`/`clearTimeout`, for code that takes injectable timers. */
  timers(): { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void } {
    return { setTimeout: (callback, ms) => this.after(ms, callback), clearTimeout: (handle) => this.cancel(handle as Scheduled) };
  }

  /** Runs events until `done()`, or past `untilMs` or `eventsMax` events (then false). */
  run(done: () => boolean, untilMs: number, eventsMax: number): boolean {
    while (!done()) {
      if (!this.#runNext(untilMs, eventsMax)) return false;
    }
    return true;
  }

  /**
   * As `run`, for nodes that answer on promises (transports, gossip validators): after the events
   * of each simulated instant it awaits `settle()`, which lets their microtasks finish.
   */
  async runSettled(done: () => boolean, untilMs: number, eventsMax: number, settle: () => Promise<void>): Promise<boolean> {
    while (!done()) {
      const atMs = this.#nextMs();
      if (!this.#runNext(untilMs, eventsMax)) return false;
      while (this.#nextMs() === atMs) if (!this.#runNext(untilMs, eventsMax)) break;
      await settle();
    }
    return true;
  }

  #nextMs(): number | undefined {
    while (this.#heap[0]?.cancelled === true) this.#pop();
    return this.#heap[0]?.atMs;
  }

  #runNext(untilMs: number, eventsMax: number): boolean {
    const atMs = this.#nextMs();
    if (atMs === undefined || atMs > untilMs || this.events >= eventsMax) return false;
    const next = this.#pop()!;
    this.nowMs = next.atMs;
    this.events++;
    next.run();
    return true;
  }

  #pop(): Scheduled | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    heap[0] = last;
    for (let i = 0; ;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let least = i;
      if (l < heap.length && before(heap[l]!, heap[least]!)) least = l;
      if (r < heap.length && before(heap[r]!, heap[least]!)) least = r;
      if (least === i) break;
      [heap[i], heap[least]] = [heap[least]!, heap[i]!];
      i = least;
    }
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** How the network misbehaves before GST, and how fast it is after. */
export interface NetworkPlan {
  readonly lossPercent: number;
  readonly duplicatePercent: number;
  readonly delayMaxMs: number;
  readonly gstMs: number;
  /** After GST every message arrives within this. */
  readonly deltaMs: number;
  /** While one is on (before GST), the nodes on side A and the others cannot reach each other. */
  readonly partitions: readonly { readonly startMs: number; readonly endMs: number; readonly sideA: readonly boolean[] }[];
}

/** A network over the scheduler: decides each copy's fate when it is sent. */
export class FaultyNetwork implements SimNetwork {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: SeededRandom,
    private readonly plan: NetworkPlan,
    private readonly addresses: readonly string[],
    private readonly deliver: (from: string, to: string, message: SimMessage) => void,
  ) {}

  send(from: string, to: string | 'all', message: SimMessage): void {
    const targets = to === 'all' ? this.addresses.filter((a) => a !== from) : [to];
    for (const target of targets) this.#sendOne(from, target, message);
  }

  #sendOne(from: string, to: string, message: SimMessage): void {
    const now = this.scheduler.nowMs;
    const stable = now >= this.plan.gstMs;
    if (!stable && (this.#split(from, to, now) || this.random.chance(this.plan.lossPercent))) return;
    const copies = this.random.chance(this.plan.duplicatePercent) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const delayMs = 1 + this.random.below(stable ? this.plan.deltaMs : this.plan.delayMaxMs);
      this.scheduler.after(delayMs, () => this.deliver(from, to, message));
    }
  }

  #split(from: string, to: string, nowMs: number): boolean {
    const [a, b] = [this.addresses.indexOf(from), this.addresses.indexOf(to)];
    return partitionsAt(this.plan, nowMs).some((p) => p.sideA[a] !== p.sideA[b]);
  }
}

/** The partitions of the plan that are on at `nowMs` (none from GST on). */
export function partitionsAt(plan: NetworkPlan, nowMs: number): NetworkPlan['partitions'] {
  return plan.partitions.filter((p) => p.startMs <= nowMs && nowMs < Math.min(p.endMs, plan.gstMs));
}

/**
 * The groups of node indexes that can reach each other at `nowMs`: nodes on the same side of
 * every partition on then. One group when the network is whole.
 * @example groupsAt({ ...plan, partitions: [{ startMs: 0, endMs: 9, sideA: [true, false, true] }] }, 3, 1) // [[0, 2], [1]]
 */
export function groupsAt(plan: NetworkPlan, count: number, nowMs: number): number[][] {
  const on = partitionsAt(plan, nowMs);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const sides = on.map((p) => (p.sideA[i] === true ? 'a' : 'b')).join('');
    groups.set(sides, [...(groups.get(sides) ?? []), i]);
  }
  return [...groups.values()];
}
