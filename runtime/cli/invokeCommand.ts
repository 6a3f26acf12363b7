import { parseArgs } from 'node:util';
import { FunctionId, parseOrThrow, StatePath } from '../../schemas/index.ts';
import { invokeFunction } from '../client/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { defaultNodeUrl, parseJson } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError } from './output.ts';
import { positionalsOf } from './txVerb.ts';

/**
 * `ain invoke FUNCTION_ID --path PATH [--input JSON] [--key FILE] [--node URL]`: calls a registered
 * function over HTTP (`POST /v1/functions/<id>/invoke`) and prints its output as JSON; signed by
 * `--key` when given, so the function sees the caller's address.
 */
export async function invokeCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { path: { type: 'string' }, input: { type: 'string' }, key: { type: 'string' }, node: { type: 'string', default: defaultNodeUrl } },
  });
  const [id] = positionalsOf('invoke', 'FUNCTION_ID', positionals, 1);
  if (values.path === undefined) throw new UsageError('ain invoke needs --path PATH: a path the function’s pattern matches (its $variables come from it).');
  const called = await invokeFunction(
    { url: values.node ?? defaultNodeUrl },
    {
      id: parseOrThrow(FunctionId, id, 'FUNCTION_ID'),
      path: parseOrThrow(StatePath, values.path, '--path'),
      ...(values.input === undefined ? {} : { input: parseJson(values.input, '--input') }),
      ...(values.key === undefined ? {} : { key: await readKeyFile(values.key) }),
    },
  );
  if (json) printJson(called);
  else process.stdout.write(`${JSON.stringify(called.output)}\n`);
}
