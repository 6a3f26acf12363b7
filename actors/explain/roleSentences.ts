import type { NodeStanding, RoleStanding } from './explanation.ts';
import { listWords, plural, sentence } from './words.ts';

/** Nodes named one by one in sentences at most, per list; the JSON holds up to listMax. */
const namedMax = 10;

const reasonsText = (node: NodeStanding) => node.reasons.map((r) => r.sentence).join('; ');

/** `3 approved workers (1 busy on other open requests), 1 dropped, 2 applied and waiting for approval`. */
export function roleCounts(standing: RoleStanding, busyWhat = 'open requests'): string {
  const { counts, role } = standing;
  const parts = [`${plural(counts.approved, `approved ${role}`)}${counts.busy > 0 ? ` (${counts.busy} busy on ${busyWhat})` : ''}`];
  if (counts.dropped > 0) parts.push(`${counts.dropped} dropped`);
  if (counts.applied > 0) parts.push(`${counts.applied} applied and waiting for an admin's approveNode`);
  return listWords(parts);
}

function named(nodes: readonly NodeStanding[], line: (node: NodeStanding) => string, total: number): string[] {
  const lines = nodes.slice(0, namedMax).map((node) => `  ${sentence(line(node))}`);
  if (total > lines.length) lines.push(`  … and ${total - lines.length} more (the JSON answer lists up to 100).`);
  return lines;
}

/** Who of a role could take a request it waits for, and why each has not (or may not), as sentences. */
export function awaitedRoleSentences(standing: RoleStanding): string[] {
  const { counts, role } = standing;
  if (counts.approved === 0) {
    const applied =
      counts.applied > 0
        ? ` (${plural(counts.applied, 'node')} applied and ${counts.applied === 1 ? 'waits' : 'wait'} for it: ${listWords(standing.applied.slice(0, namedMax))})`
        : '';
    return [`The job has no approved ${role}: none can accept it until a node applies as ${role} and an admin of the job approves it${applied}.`];
  }
  const lines = [
    `The job has ${roleCounts(standing, 'other open requests')}; ${counts.eligible} may accept it and ${counts.ineligible} may not.`,
    ...named(standing.ineligible, (n) => `${n.address} may not accept it: ${reasonsText(n)}`, counts.ineligible),
    ...named(standing.eligible, (n) => `${n.address} may accept it but has not: ${reasonsText(n)}`, counts.eligible),
  ];
  return lines;
}

/** A job's role as sentences: how many, how busy, and who cannot serve its requests. */
export function jobRoleSentences(standing: RoleStanding): string[] {
  const { counts, role } = standing;
  const Role = `${role[0]!.toUpperCase()}${role.slice(1)}s`;
  if (counts.approved === 0) {
    const applied =
      counts.applied > 0 ? `; ${plural(counts.applied, 'node')} applied and ${counts.applied === 1 ? 'waits' : 'wait'} for an admin's approveNode` : '';
    const waits =
      role === 'evaluator'
        ? 'its requests wait for one, and are refunded (noEvaluator) when their time limit ends'
        : 'its requests find no worker, and are refunded (noResult) when their time limit ends';
    return [`No ${role} is approved: ${waits}${applied}.`];
  }
  return [
    `${Role}: ${roleCounts(standing)}.`,
    ...named(standing.ineligible, (n) => `${n.address} cannot serve its requests: ${reasonsText(n)}`, counts.ineligible),
  ];
}
