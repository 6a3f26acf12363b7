import { AinError } from '../../schemas/index.ts';

/** Exit codes: 0 done, 1 refused or failed (an AinError), 2 a usage mistake, 3 a bug. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, bug: 3 } as const;

export class UsageError extends Error {}

/** The usage error of `ain <command>` given an unknown verb, or none; `use` says which verbs there are. */
export function verbError(command: string, verb: string | undefined, use: string): UsageError {
  return new UsageError(`${verb === undefined ? `"ain ${command}" needs a verb` : `"ain ${command} ${verb}" is not a command`}; ${use}`);
}

/** Prints an error the way the API does: the same code and sentence. */
export function printError(error: unknown, json: boolean): number {
  if (error instanceof UsageError) {
    process.stderr.write(`ain: ${error.message}\nRun "ain help" for the commands.\n`);
    return exitCodes.usage;
  }
  if (error instanceof AinError) {
    process.stderr.write(json ? JSON.stringify(error.toJSON()) + '\n' : `error ${error.code}: ${error.message}\n`);
    return exitCodes.failed;
  }
  process.stderr.write(`ain: unexpected failure (a bug, please report it): ${(error as Error)?.stack ?? String(error)}\n`);
  return exitCodes.bug;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
