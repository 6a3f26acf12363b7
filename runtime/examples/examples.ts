import type { Example } from './exampleReport.ts';
import { dataParallel } from './dataParallel.ts';
import { loss } from './loss.ts';
import { monteCarlo } from './monteCarlo.ts';
import { nim } from './nim.ts';

/** The paper's machine-learning patterns (architecture paper §2.2.4), in the order to read them. */
export const examples: readonly Example[] = [monteCarlo, loss, dataParallel, nim];

/** The example called `name`, if there is one. */
export function exampleNamed(name: string): Example | undefined {
  return examples.find((e) => e.name === name);
}
