import type { ExampleNetwork } from './exampleJob.ts';

/** The figure an example is judged by, and whether it is inside its stated bound. */
export interface ExampleQuality {
  readonly figure: string;
  readonly value: number;
  /** The bound in words, as the example's README states it (`error < 0.01`). */
  readonly bound: string;
  readonly ok: boolean;
}

/** What one run of an example came to. */
export interface ExampleReport {
  readonly name: string;
  /** Rounds of requests (requests of one round run side by side). */
  readonly rounds: number;
  readonly requests: number;
  readonly wallMs: number;
  readonly quality: ExampleQuality;
  /** The example's other figures, by name. */
  readonly figures: Readonly<Record<string, number>>;
  /** Files the example wrote. */
  readonly files: readonly string[];
}

export interface ExampleRunOptions {
  /** Where an example writes its files (a loss curve); default: the current folder. */
  readonly outDir?: string;
}

/** One of the paper's machine-learning patterns (§2.2.4) as a job that runs on a network. */
export interface Example {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  run(network: ExampleNetwork, options: ExampleRunOptions): Promise<ExampleReport>;
}
