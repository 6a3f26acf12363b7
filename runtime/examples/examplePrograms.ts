import { readFile } from 'node:fs/promises';
import type { JobPrograms } from '../agents/index.ts';
import { appRootUrl } from '../config/index.ts';

/** An rpc of the job's schema a program serves. */
export interface ProgramRpc {
  readonly service: string;
  readonly rpc: string;
}

/**
 * An example's job programs from `examples/<name>/`: job_schema.proto, worker.js, evaluator.js,
 * test_data.json, and `extraFiles` (files both programs get), each run with node.
 */
export async function examplePrograms(
  name: string,
  rpcs: { readonly worker: ProgramRpc; readonly evaluator: ProgramRpc },
  extraFiles: Readonly<Record<string, string>> = {},
): Promise<JobPrograms> {
  const dir = new URL(`examples/${name}/`, appRootUrl);
  const read = (file: string) => readFile(new URL(file, dir), 'utf8');
  return {
    proto: await read('job_schema.proto'),
    files: { 'worker.js': await read('worker.js'), 'evaluator.js': await read('evaluator.js'), ...extraFiles },
    testData: JSON.parse(await read('test_data.json')) as JobPrograms['testData'],
    worker: { command: 'node', args: ['worker.js'], ...rpcs.worker },
    evaluator: { command: 'node', args: ['evaluator.js'], ...rpcs.evaluator },
  };
}
