import type { AnyStateMachine } from 'xstate';

/**
 * The one place that reads XState's machine objects below their public API, for the flat step
 * (flatMachine.ts): the state nodes' transition maps, guard and action implementations, and the
 * `xstate.assign` built-in's assignment. These are internals, so the XState version is pinned
 * exactly in package.json and checked here; test/actors/job/flatMachine.test.ts runs the flat
 * step against XState's own `transition()` on random event sequences. To move XState: bump both
 * pins together and run that test.
 */
export const xstateVersionChecked = '5.33.3';

export type Context = Readonly<Record<string, unknown>>;
export interface Event {
  readonly type: string;
}
export type Guard = (context: Context, event: Event) => boolean;
/** An assign: the context after it, given the context the previous action left (XState's resolveAssign). */
export type Assign = (context: Context, event: Event) => Context;

/** A machine as the flat step needs it: top-level states, each with its transitions by event type. */
export interface MachineTable {
  readonly id: string;
  readonly initial: string;
  /** The context factory or value of the machine's config. */
  readonly context: (input: unknown) => Context;
  readonly states: readonly TableState[];
}

export interface TableState {
  readonly key: string;
  /** Entry, exit, eventless, delayed or invoked anything, nested states: what the flat step does not fold. */
  readonly unsupported: readonly string[];
  readonly on: ReadonlyMap<string, readonly TableTransition[]>;
}

export interface TableTransition {
  readonly guard: Guard | undefined;
  readonly actions: readonly Assign[];
  /** Where it goes; undefined stays (a targetless transition). */
  readonly target: string | undefined;
}

interface Ref {
  readonly type: string;
  readonly params?: unknown;
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
  readonly transitions: ReadonlyMap<
    string,
    readonly { guard?: unknown; actions: readonly unknown[]; target?: readonly NodeLike[] | undefined; reenter: boolean }[]
  >;
}

export function unsupported(machine: { readonly id: string }, what: string): never {
  throw new Error(`machine ${machine.id} uses ${what}, which the ledger's flat step does not fold; keep ledger machines flat (see flatMachine.ts)`);
}

function paramsOf(ref: unknown, context: Context, event: Event): unknown {
  if (typeof ref !== 'object' || ref === null || !('params' in ref)) return undefined;
  const { params } = ref as Ref;
  return typeof params === 'function' ? params({ context, event }) : params;
}

function readGuard(machine: AnyStateMachine, guard: unknown): Guard | undefined {
  if (guard === undefined) return undefined;
  const resolved = typeof guard === 'function' ? guard : machine.implementations.guards[typeof guard === 'string' ? guard : (guard as Ref).type];
  if (typeof resolved !== 'function' || 'check' in resolved) unsupported(machine, `the guard ${JSON.stringify(guard)} (missing or built in)`);
  const check = resolved as (args: { context: Context; event: Event }, params: unknown) => boolean;
  return (context, event) => Boolean(check({ context, event }, paramsOf(guard, context, event)));
}

function readAssign(machine: AnyStateMachine, action: unknown): Assign {
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

function unsupportedOf(node: NodeLike): string[] {
  const found: string[] = [];
  if (node.entry.length > 0 || node.exit.length > 0) found.push('entry or exit actions');
  if (node.always !== undefined && node.always.length > 0) found.push('eventless transitions');
  if (node.after.length > 0 || node.invoke.length > 0) found.push('delayed transitions or invoked actors');
  return found;
}

/** Reads a machine's table; throws (via `unsupported`) for what cannot be read as a flat machine. */
export function readMachineTable(machine: AnyStateMachine): MachineTable {
  const root = machine.root as unknown as NodeLike & { initial: { target: readonly NodeLike[]; actions: readonly unknown[] } };
  for (const what of unsupportedOf(root)) unsupported(machine, `${what} (the root)`);
  if (root.transitions.size > 0) unsupported(machine, 'transitions on the root');
  if (root.initial.actions.length > 0 || root.initial.target.length !== 1) unsupported(machine, 'initial actions');
  const states: TableState[] = Object.entries(root.states).map(([key, node]) => {
    const problems = unsupportedOf(node);
    if (Object.keys(node.states).length > 0 || (node.type !== 'atomic' && node.type !== 'final')) problems.push('nested states');
    const on = new Map<string, TableTransition[]>();
    for (const [type, transitions] of node.transitions) {
      if (type.includes('*')) unsupported(machine, `the wildcard event ${type} (${key})`);
      on.set(
        type,
        transitions.map((t) => {
          if (t.target !== undefined && t.target.length > 1) unsupported(machine, `a transition to several states (${key} on ${type})`);
          const target = t.target?.[0];
          if (target !== undefined && target !== root.states[target.key]) unsupported(machine, `a transition out of the top level (${key} on ${type})`);
          // A reentering self-transition would run exit and entry actions: there are none.
          return { guard: readGuard(machine, t.guard), actions: t.actions.map((a) => readAssign(machine, a)), target: target?.key };
        }),
      );
    }
    return { key, unsupported: problems, on };
  });
  const factory = (machine.config as { context?: unknown }).context;
  const context = (input: unknown) => (typeof factory === 'function' ? factory({ input, spawn: undefined, self: undefined }) : factory) as Context;
  return { id: machine.id, initial: root.initial.target[0]!.key, context, states };
}
