import type { AnyStateMachine } from 'xstate';

/**
 * XState's pure step for the ledger's flat machines, read off the machine once instead of run
 * through the general interpreter on every op (its macrostep, state-node sets and snapshot
 * clones cost more than the fold's own work). Only the subset the job machines use is taken:
 * one level of states; transitions on exact event types with guards (by name or inline, with
 * params) and `assign` actions; no entry, exit, eventless, delayed or invoked anything. A machine
 * outside it is refused when compiled, so the step is XState's by construction;
 * test/actors/job/flatMachine.test.ts checks it against `transition()` step by step.
 */
type Context = Readonly<Record<string, unknown>>;
interface Event {
  readonly type: string;
}

interface Candidate {
  readonly guard: ((context: Context, event: Event) => boolean) | undefined;
  readonly actions: readonly ((context: Context, event: Event) => Context)[];
  /** The state it goes to; undefined stays (a targetless transition). */
  readonly target: string | undefined;
}

export interface FlatMachine {
  readonly initial: string;
  readonly context: (input: unknown) => Context;
  /** By state, by event type: the candidates in document order (the first whose guard passes is taken). */
  readonly on: ReadonlyMap<string, ReadonlyMap<string, readonly Candidate[]>>;
}

/** A machine's snapshot as the fold keeps it. */
export interface FlatSnapshot {
  readonly state: string;
  readonly context: Context;
}

interface Ref {
  readonly type: string;
  readonly params?: unknown;
}

function unsupported(machine: AnyStateMachine, what: string): never {
  throw new Error(`machine ${machine.id} uses ${what}, which the ledger's flat step does not fold; keep ledger machines flat (see flatMachine.ts)`);
}

function paramsOf(ref: unknown, context: Context, event: Event): unknown {
  if (typeof ref !== 'object' || ref === null || !('params' in ref)) return undefined;
  const { params } = ref as Ref;
  return typeof params === 'function' ? params({ context, event }) : params;
}

function compileGuard(machine: AnyStateMachine, guard: unknown): Candidate['guard'] {
  if (guard === undefined) return undefined;
  const resolved = typeof guard === 'function' ? guard : machine.implementations.guards[typeof guard === 'string' ? guard : (guard as Ref).type];
  if (typeof resolved !== 'function' || 'check' in resolved) unsupported(machine, `the guard ${JSON.stringify(guard)} (missing or built in)`);
  const check = resolved as (args: { context: Context; event: Event }, params: unknown) => boolean;
  return (context, event) => Boolean(check({ context, event }, paramsOf(guard, context, event)));
}

/** XState's resolveAssign: the assigner sees the context as the previous action left it. */
function compileAction(machine: AnyStateMachine, action: unknown): (context: Context, event: Event) => Context {
  const resolved = typeof action === 'function' ? action : machine.implementations.actions[typeof action === 'string' ? action : (action as Ref).type];
  const builtin = (typeof resolved === 'function' ? resolved : {}) as { type?: unknown; assignment?: unknown };
  if (builtin.type !== 'xstate.assign' || builtin.assignment === undefined) {
    unsupported(machine, `the action ${JSON.stringify(action)} (only assign actions change a folded machine)`);
  }
  const assignment = builtin.assignment as ((args: { context: Context; event: Event }, params: unknown) => Context) | Record<string, unknown>;
  return (context, event) => {
    const args = { context, event };
    const params = paramsOf(action, context, event);
    let partial: Record<string, unknown>;
    if (typeof assignment === 'function') {
      partial = assignment(args, params);
    } else {
      partial = {};
      for (const key of Object.keys(assignment)) {
        const assigner = assignment[key];
        partial[key] = typeof assigner === 'function' ? assigner(args, params) : assigner;
      }
    }
    return Object.assign({}, context, partial);
  };
}

interface NodeLike {
  readonly key: string;
  readonly type: string;
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
  readonly always?: readonly unknown[] | undefined;
  readonly after: readonly unknown[];
  readonly invoke: readonly unknown[];
  readonly states: Record<string, NodeLike>;
  readonly transitions: ReadonlyMap<string, readonly { guard?: unknown; actions: readonly unknown[]; target?: readonly NodeLike[] | undefined; reenter: boolean }[]>;
}

function checkPlain(machine: AnyStateMachine, node: NodeLike, where: string): void {
  if (node.entry.length > 0 || node.exit.length > 0) unsupported(machine, `entry or exit actions (${where})`);
  if (node.always !== undefined && node.always.length > 0) unsupported(machine, `eventless transitions (${where})`);
  if (node.after.length > 0 || node.invoke.length > 0) unsupported(machine, `delayed transitions or invoked actors (${where})`);
}

/**
 * Reads a flat machine's step table (once per machine; see `flatMachineOf`). Throws for a machine
 * the flat step cannot fold exactly as XState would.
 */
export function compileFlatMachine(machine: AnyStateMachine): FlatMachine {
  const root = machine.root as unknown as NodeLike & { initial: { target: readonly NodeLike[]; actions: readonly unknown[] } };
  checkPlain(machine, root, 'the root');
  if (root.transitions.size > 0) unsupported(machine, 'transitions on the root');
  if (root.initial.actions.length > 0 || root.initial.target.length !== 1) unsupported(machine, 'initial actions');
  const on = new Map<string, Map<string, Candidate[]>>();
  for (const [key, node] of Object.entries(root.states)) {
    checkPlain(machine, node, `state ${key}`);
    if (Object.keys(node.states).length > 0 || (node.type !== 'atomic' && node.type !== 'final')) unsupported(machine, `nested states (${key})`);
    const byEvent = new Map<string, Candidate[]>();
    for (const [type, transitions] of node.transitions) {
      if (type.includes('*')) unsupported(machine, `the wildcard event ${type} (${key})`);
      byEvent.set(
        type,
        transitions.map((t) => {
          if (t.target !== undefined && t.target.length > 1) unsupported(machine, `a transition to several states (${key} on ${type})`);
          const target = t.target?.[0];
          if (target !== undefined && target !== root.states[target.key]) unsupported(machine, `a transition out of the top level (${key} on ${type})`);
          // A reentering self-transition would run exit and entry actions: there are none.
          return { guard: compileGuard(machine, t.guard), actions: t.actions.map((a) => compileAction(machine, a)), target: target?.key };
        }),
      );
    }
    on.set(key, byEvent);
  }
  const factory = (machine.config as { context?: unknown }).context;
  const context = (input: unknown) => (typeof factory === 'function' ? factory({ input, spawn: undefined, self: undefined }) : factory) as Context;
  return { initial: root.initial.target[0]!.key, context, on };
}

const compiled = new WeakMap<AnyStateMachine, FlatMachine>();

/** The step table of a machine, compiled on first use. */
export function flatMachineOf(machine: AnyStateMachine): FlatMachine {
  let flat = compiled.get(machine);
  if (flat === undefined) {
    flat = compileFlatMachine(machine);
    compiled.set(machine, flat);
  }
  return flat;
}

/** The first snapshot for `input`, as XState's `initialTransition` gives it. */
export function flatStart(flat: FlatMachine, input: unknown): FlatSnapshot {
  return { state: flat.initial, context: flat.context(input) };
}

/**
 * One step, as XState's `transition` takes it: the first candidate for the event in the state
 * whose guard passes, its assigns in order; null when none does (or the state has no such event).
 */
export function flatStep(flat: FlatMachine, snapshot: FlatSnapshot, event: Event): FlatSnapshot | null {
  const byEvent = flat.on.get(snapshot.state);
  if (byEvent === undefined) throw new Error(`a machine snapshot is in state ${JSON.stringify(snapshot.state)}, which its machine does not draw`);
  const candidates = byEvent.get(event.type);
  if (candidates === undefined) return null;
  for (const candidate of candidates) {
    if (candidate.guard !== undefined && !candidate.guard(snapshot.context, event)) continue;
    let context = snapshot.context;
    for (const action of candidate.actions) context = action(context, event);
    return { state: candidate.target ?? snapshot.state, context };
  }
  return null;
}
