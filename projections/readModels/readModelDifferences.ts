import { canonicalJson } from '../../log/index.ts';

/** One place where two copies of the read models disagree, as precisely as their shape allows. */
export interface ReadModelDifference {
  readonly part: 'reputation' | 'dashboard' | 'explain';
  /** The job whose entry differs (reputation and dashboard jobs). */
  readonly job?: string;
  /** The node whose entry differs (a reputation entry of a job, or a node's dashboard). */
  readonly node?: string;
  /** The field inside that entry (dotted for nested ones: `latency.p50Ms`), or of the part itself. */
  readonly field?: string;
  /** The values there, as JSON (`undefined`: absent on that side). */
  readonly expected: unknown;
  readonly found: unknown;
}

// Below this depth a difference is named by its whole value (a rating, a list of children).
const depthMax = 8;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false; // a value with no canonical JSON (a lone surrogate) matches nothing
  }
}

/** Paths (object keys) where `expected` and `found` differ, outermost first, in key order. */
function* paths(expected: unknown, found: unknown, path: readonly string[]): Generator<readonly string[]> {
  if (same(expected, found)) return;
  if (path.length >= depthMax || !isRecord(expected) || !isRecord(found)) {
    yield path;
    return;
  }
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])].sort();
  for (const key of keys) yield* paths(expected[key], found[key], [...path, key]);
}

/** Names a path inside one part: `jobs/<job>/nodes/<node>/<field…>` and the like. */
function locate(part: ReadModelDifference['part'], path: readonly string[]): Pick<ReadModelDifference, 'job' | 'node' | 'field'> {
  const field = (rest: readonly string[]) => (rest.length === 0 ? {} : { field: rest.join('.') });
  const [head, id, ...rest] = path;
  if (head === 'jobs' && id !== undefined) {
    if (part === 'reputation' && rest[0] === 'nodes' && rest[1] !== undefined) return { job: id, node: rest[1], ...field(rest.slice(2)) };
    return { job: id, ...field(rest) };
  }
  if (part === 'dashboard' && head === 'nodes' && id !== undefined) return { node: id, ...field(rest) };
  return field(path);
}

const at = (value: unknown, path: readonly string[]): unknown => path.reduce<unknown>((v, key) => (isRecord(v) ? v[key] : undefined), value);

/**
 * Where the read models `found` (a snapshot's, say) differ from `expected` (a replay's): the part,
 * job, node and field of each difference, at most `max` of them, reputation first (an explain
 * index absent from `found` is not compared: older snapshots have none).
 * @example readModelDifferences(snapshotReadModels(replayed), snapshot.projections)[0] // { part: 'reputation', job, node, field: 'rating', … }
 */
export function readModelDifferences(expected: unknown, found: unknown, max = 10): ReadModelDifference[] {
  const out: ReadModelDifference[] = [];
  for (const part of ['reputation', 'dashboard', 'explain'] as const) {
    const want = isRecord(expected) ? expected[part] : undefined;
    const got = isRecord(found) ? found[part] : undefined;
    // Snapshots written before the explain index was kept lack it; a node never resumes from one (it replays instead).
    if (part === 'explain' && got === undefined) continue;
    for (const path of paths(want, got, [])) {
      if (out.length >= max) return out;
      out.push({ part, ...locate(part, path), expected: at(want, path), found: at(got, path) });
    }
  }
  return out;
}
