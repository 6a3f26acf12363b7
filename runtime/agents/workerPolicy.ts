import { existsSync, statfsSync } from 'node:fs';
import { availableParallelism, totalmem, tmpdir } from 'node:os';
import { bestWorkerShare, type RewardTerms } from '../../actors/index.ts';
import type { OpOf } from '../../schemas/index.ts';

type Requirements = NonNullable<OpOf<'registerJob'>['requirements']>;

/** What this machine offers a job (the worker's machine-state probe). */
export interface MachineState {
  readonly cpus: number;
  readonly memoryMb: number;
  readonly gpus: number;
  readonly storageMb: number;
}

/** Reads this machine: cores, memory, NVIDIA GPUs (device files), free space where jobs run. */
export function probeMachine(): MachineState {
  let gpus = 0;
  while (existsSync(`/dev/nvidia${gpus}`)) gpus++;
  let storageMb: number;
  try {
    const fs = statfsSync(tmpdir());
    storageMb = Math.floor((fs.bavail * fs.bsize) / (1024 * 1024));
  } catch {
    storageMb = 0;
  }
  return { cpus: availableParallelism(), memoryMb: Math.floor(totalmem() / (1024 * 1024)), gpus, storageMb };
}

/** Why this machine cannot take a job with these requirements, or null when it can. */
export function unmetRequirement(requirements: Requirements | undefined, machine: MachineState): string | null {
  if (requirements === undefined) return null;
  if ((requirements.cpu ?? 0) > machine.cpus) return `it needs ${requirements.cpu} CPUs; this machine has ${machine.cpus}`;
  if ((requirements.memory_mb ?? 0) > machine.memoryMb) return `it needs ${requirements.memory_mb} MB of memory; this machine has ${machine.memoryMb}`;
  if ((requirements.gpu ?? 0) > machine.gpus) return `it needs ${requirements.gpu} GPUs; this machine has ${machine.gpus}`;
  if ((requirements.storage_mb ?? 0) > machine.storageMb) return `it needs ${requirements.storage_mb} MB of disk; ${machine.storageMb} MB are free`;
  return null;
}

/**
 * Whether a request is worth a worker's while: the most one worker can get from its workers' pool
 * by its reward function (the whole pool with winnerOnly or even, the best rank's share with
 * ranked) is at least `minRewardAin`.
 */
export function rewardWorthIt(terms: RewardTerms, minRewardAin: bigint): boolean {
  return bestWorkerShare(terms) >= minRewardAin;
}
