import { parseArgs } from 'node:util';
import { AinError, Hash, isAinError, parseOrThrow } from '../../schemas/index.ts';
import { explainJob, explainRequest, type ExplainJobReturnType, type ExplainRequestReturnType } from '../client/index.ts';
import { defaultNodeUrl } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson } from './output.ts';
import { positionalsOf } from './txVerb.ts';

/** The node's explanation of `id`: as a request, else as a job; UNKNOWN_JOB when it is neither. */
async function explain(nodeUrl: string, id: string): Promise<ExplainRequestReturnType | ExplainJobReturnType> {
  try {
    return await explainRequest({ url: nodeUrl }, { id });
  } catch (error) {
    if (!isAinError(error, 'UNKNOWN_JOB')) throw error;
  }
  try {
    return await explainJob({ url: nodeUrl }, { id });
  } catch (error) {
    if (!isAinError(error, 'UNKNOWN_JOB')) throw error;
    throw new AinError('UNKNOWN_JOB', `No job request and no job has the id ${id} on ${nodeUrl}; check the id, or wait for the block of the tx that made it.`, {
      cause: error,
    });
  }
}

/**
 * `ain why REQUEST_ID|JOB_ID [--node URL]`: why a request (or a job) is where it is, from the
 * node's `GET /v1/requests/<id>/explain` (or `/v1/jobs/<id>/explain`): one sentence a line, or
 * with `--json` the whole answer.
 */
export async function whyCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { node: { type: 'string', default: defaultNodeUrl } } });
  const [given] = positionalsOf('why', 'a request id or a job id (64 hex characters)', positionals, 1);
  const id = parseOrThrow(Hash, given, 'the id');
  const explained = await explain(values.node, id);
  if (json) printJson(explained);
  else process.stdout.write(`${explained.sentences.join('\n')}\n`);
}
