#!/usr/bin/env node
// The ain CLI. The sources are TypeScript, run through tsx's loader (registered here, and
// passed on to worker threads by the verify pool).
import 'tsx';

const { main } = await import('../runtime/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
