import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { programHashOf, type ProgramFiles } from '../../log/index.ts';
import { signBinaries } from '../../log/index.ts';
import { AinError, Binaries, ChainId, parseOrThrow, PublishBinariesOp, Uint } from '../../schemas/index.ts';
import { getStatus } from '../client/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { defaultNodeUrl, parseJson, wholeNumber } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError, verbError } from './output.ts';
import { parseTxVerbArgs, positionalsOf, runTxVerb, txVerbOf } from './txVerb.ts';

// The Binary Manager from a terminal: hash a job's programs, sign them as its admin, publish a new
// version (docs/ledger.md, "Binaries").

/** A job's programs as a file describes them (examples/root/programs.json): the files they run beside, and each program's command. */
const ProgramsFile = z.strictObject({
  /** Paths relative to the file: every file both programs run with. */
  files: z.array(z.string().min(1).max(256)).min(1).max(64),
  worker: z.strictObject({ command: z.string().min(1).max(256), args: z.array(z.string().max(1024)).max(64) }),
  evaluator: z.strictObject({ command: z.string().min(1).max(256), args: z.array(z.string().max(1024)).max(64) }),
});

/** The worker's and evaluator's program hashes of a programs file. */
export async function programHashesOf(file: string): Promise<{ worker: string; evaluator: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`The programs file ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}).`);
  }
  const programs = parseOrThrow(ProgramsFile, parseJson(text, file), file);
  const files: Record<string, Buffer> = {};
  for (const name of programs.files) {
    try {
      files[name] = await readFile(join(dirname(file), name));
    } catch (cause) {
      throw new UsageError(`${file} names ${name}, which cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}).`);
    }
  }
  const hash = (program: { command: string; args: string[] }): string => programHashOf({ ...program, files } satisfies ProgramFiles);
  return { worker: hash(programs.worker), evaluator: hash(programs.evaluator) };
}

/** A signed binaries file (what `ain binaries sign` writes), checked against the op's schema. */
export async function binariesFile(file: string): Promise<Binaries> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`--binaries ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}).`);
  }
  return parseOrThrow(Binaries, parseJson(text, file), `--binaries ${file}`);
}

/** `ain binaries hash PROGRAMS.json`: each program's hash. */
async function hash(args: string[], { json }: CommandContext): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [file] = positionalsOf('binaries hash', 'PROGRAMS.json (files, worker and evaluator: see examples/root/programs.json)', positionals, 1);
  const hashes = await programHashesOf(file!);
  if (json) printJson(hashes);
  else process.stdout.write(`worker    ${hashes.worker}\nevaluator ${hashes.evaluator}\n`);
}

/** `ain binaries sign PROGRAMS.json --repository URL --version N --key FILE [--chain C | --node URL] [--out FILE]` */
async function sign(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      repository: { type: 'string' },
      version: { type: 'string' },
      key: { type: 'string' },
      chain: { type: 'string' },
      node: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const [file] = positionalsOf('binaries sign', 'PROGRAMS.json', positionals, 1);
  if (values.key === undefined) throw new UsageError('ain binaries sign needs --key FILE: the job admin’s key.');
  if (values.repository === undefined) throw new UsageError('ain binaries sign needs --repository URL: where the programs’ source is.');
  const version = parseOrThrow(Uint.min(1), wholeNumber(values.version, 'version') ?? 1, '--version');
  const chain = parseOrThrow(ChainId, values.chain ?? (await getStatus({ url: values.node ?? defaultNodeUrl })).chain, '--chain');
  const key = await readKeyFile(values.key);
  const binaries = signBinaries(key, chain, { repository: values.repository, version, ...(await programHashesOf(file!)) });
  parseOrThrow(Binaries, binaries, 'the signed binaries');
  const text = JSON.stringify(binaries, null, 2) + '\n';
  if (values.out !== undefined) {
    await writeFile(values.out, text).catch((cause: unknown) => {
      throw new AinError('BAD_REQUEST', `--out ${values.out} cannot be written (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}).`);
    });
    if (json) printJson({ out: values.out, ...binaries });
    else process.stdout.write(`Signed version ${version} of the binaries for chain ${chain} as ${key.address}: ${values.out}\n`);
    return;
  }
  process.stdout.write(text);
}

/** `ain publishBinaries JOB_ID --binaries FILE --key FILE`: puts a newer version of the job's programs in force. */
export async function publishBinariesCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { binaries: { type: 'string' } });
  const [job] = positionalsOf('publishBinaries', 'JOB_ID', positionals, 1);
  const verb = await txVerbOf('publishBinaries', values, context);
  if (values.binaries === undefined) throw new UsageError('ain publishBinaries needs --binaries FILE (what "ain binaries sign" wrote).');
  const op = parseOrThrow(PublishBinariesOp, { type: 'publishBinaries', job_id: job, binaries: await binariesFile(values.binaries) }, 'publishBinaries');
  await runTxVerb(verb, op, ({ height }) => `Published version ${op.binaries.version} of job ${job}'s binaries (block ${height}).`);
}

/** `ain binaries hash|sign`. */
export async function binariesCommand(args: string[], context: CommandContext): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'hash') return hash(rest, context);
  if (verb === 'sign') return sign(rest, context);
  throw verbError('binaries', verb, `use "ain binaries hash PROGRAMS.json" or "ain binaries sign PROGRAMS.json …".`);
}
