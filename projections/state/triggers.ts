import type { ApplyContext, FunctionsPayload, StateCore } from './core.ts';
import { walkPattern } from './match.ts';
import { formatPath } from './path.ts';
import type { UndoLog } from './trie.ts';
import { toJson, type ValueNode } from './value.ts';

/**
 * Records the functions a value write fires: every function registered at the written path or
 * above it (`$variables` bound). Values before and after are copied only when something fires.
 */
export function fireTriggers(core: StateCore, labels: readonly string[], path: string, before: ValueNode | undefined, after: ValueNode | undefined, ctx: ApplyContext): void {
  if (core.functions.children === undefined && core.functions.payload === undefined) return;
  const { hits } = walkPattern<FunctionsPayload>(core.functions, labels, true);
  if (hits.length === 0) return;
  const beforeJson = toJson(before);
  const afterJson = toJson(after);
  const mark = core.triggers.length;
  for (const hit of hits) {
    for (const functionId of Object.keys(hit.payload).sort()) {
      core.triggers.push({
        path,
        functionPath: formatPath(hit.pattern),
        params: Object.fromEntries(hit.vars),
        functionId,
        function: hit.payload[functionId]!,
        before: beforeJson,
        after: afterJson,
        auth: ctx.auth.addr,
        height: ctx.height,
        time: ctx.time,
      });
    }
  }
  logTriggerUndo(core, core.undo, mark);
}

function logTriggerUndo(core: StateCore, undo: UndoLog | undefined, mark: number): void {
  if (undo !== undefined) undo.push(() => {
    core.triggers.length = mark;
  });
}
