import type { AnyStateMachine, EventFromLogic, InputFrom } from 'xstate';
import type { StateTree } from '../../projections/index.ts';
import { flatMachineOf, flatStart, flatStep, type FlatSnapshot } from './flatMachine.ts';

/**
 * Where the job protocol keeps its machines in the state tree (under the reserved `/jobs`), so
 * the state root, proofs and snapshots cover them like any other state. Each machine is stored
 * as the JSON text of `{ state, context }`: the tree holds no arrays, and the text round-trips
 * any context exactly.
 */
export const jobPaths = {
  schema: (job: string) => `/jobs/schemas/${job}`,
  node: (job: string, node: string) => `/jobs/nodes/${job}/${node}`,
  nodesOf: (job: string) => `/jobs/nodes/${job}`,
  request: (request: string) => `/jobs/requests/${request}`,
  input: (request: string) => `/jobs/inputs/${request}`,
  result: (request: string, node: string) => `/jobs/results/${request}/${node}`,
  limits: (job: string, admin: string) => `/jobs/limits/${job}/${admin}`,
  strikes: (job: string, node: string) => `/jobs/strikes/${job}/${node}`,
  binaries: (job: string) => `/jobs/binaries/${job}`,
  binariesVersion: (job: string, version: number) => `/jobs/binaries/${job}/${version}`,
  binariesPublishedAt: (job: string, version: number) => `/jobs/binariesAt/${job}/${version}`,
  testData: (request: string) => `/jobs/testData/${request}`,
  boxKey: (request: string, node: string) => `/jobs/boxKeys/${request}/${node}`,
  sharedKey: (request: string, node: string) => `/jobs/sharedKeys/${request}/${node}`,
  reservation: (id: string) => `/jobs/reservations/${id}`,
  reservationEnds: '/jobs/reservationEnds',
  reservationEnd: (time: number, id: string) => `/jobs/reservationEnds/${time}/${id}`,
  bandwidth: (request: string) => `/jobs/bandwidth/${request}`,
  deadlines: '/jobs/deadlines',
  deadline: (time: number, request: string) => `/jobs/deadlines/${time}/${request}`,
} as const;

/** A machine's snapshot as the tree keeps it. */
export interface Persisted<S extends string, C> {
  readonly state: S;
  readonly context: C;
}

/**
 * The labels of a jobPaths path. Every such path is built from ids the fold already validated
 * (hashes, addresses, block times), so it skips the tree's parsing and checking of path strings.
 */
const labelsOf = (path: string): string[] => path.slice(1).split('/');

export function readJson<T>(tree: StateTree, path: string): T | null {
  const text = tree.getAt(labelsOf(path));
  return typeof text === 'string' ? (JSON.parse(text) as T) : null;
}

export function writeJson(tree: StateTree, path: string, value: unknown): void {
  tree.writeSystemAt(labelsOf(path), JSON.stringify(value));
}

/** A machine's first snapshot for `input`, as XState's `initialTransition` gives it. */
export function startMachine<M extends AnyStateMachine, S extends string, C>(machine: M, input: InputFrom<M>): Persisted<S, C> {
  return flatStart(flatMachineOf(machine), input) as unknown as Persisted<S, C>;
}

/**
 * One pure step of a machine from its persisted snapshot, as XState's `transition` takes it (see
 * flatMachine.ts): the next snapshot, or null when the machine does not take the event in that
 * state (with its guards as they stand).
 */
export function stepMachine<M extends AnyStateMachine, S extends string, C>(
  machine: M,
  persisted: Persisted<S, C>,
  event: EventFromLogic<M>,
): Persisted<S, C> | null {
  return flatStep(flatMachineOf(machine), persisted as unknown as FlatSnapshot, event) as unknown as Persisted<S, C> | null;
}

/** Moves a request's deadline entry in the index the fold scans at every block. */
export function moveDeadline(tree: StateTree, request: string, from: number | null, to: number | null): void {
  if (from === to) return;
  if (from !== null) tree.writeSystemAt(labelsOf(jobPaths.deadline(from, request)), null);
  if (to !== null) tree.writeSystemAt(labelsOf(jobPaths.deadline(to, request)), true);
}

/** Requests whose deadline is at or before `time`, oldest first (ties by id): the order every node uses. */
export function dueRequests(tree: StateTree, time: number): { time: number; request: string }[] {
  const due: { time: number; request: string }[] = [];
  const times = tree
    .keys(jobPaths.deadlines)
    .map(Number)
    .filter((at) => at <= time)
    .sort((a, b) => a - b);
  for (const at of times) for (const request of tree.keys(`${jobPaths.deadlines}/${at}`).sort()) due.push({ time: at, request });
  return due;
}

/** The earliest deadline of an open request (block time), or null when none is open. */
export function nextDeadline(tree: StateTree): number | null {
  let next: number | null = null;
  for (const key of tree.keys(jobPaths.deadlines)) {
    const at = Number(key);
    if (next === null || at < next) next = at;
  }
  return next;
}
