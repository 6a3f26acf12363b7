#!/usr/bin/env node
// The dependency rule of STYLE.md, checked on every `npm test` rather than by memory:
// imports point schemas <- events <- projections <- actors <- runtime; another folder is
// reached only through its public index.ts; the pure folders import no I/O; nobody evals.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const layers = ['schemas', 'events', 'projections', 'actors', 'runtime'];
const pure = new Set(['schemas', 'projections']);
const ioModules = /^(node:|fs$|path$|http$|net$|child_process$|dockerode|kafkajs|libp2p|@libp2p\/|piscina|fastify|pino)/;
const clockOrRandom = /\b(Date\.now\(|Math\.random\(|new Date\(\)|performance\.now\()/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const problems = [];
for (const layer of layers) {
  let dir;
  try {
    dir = statSync(join(root, layer)).isDirectory() ? join(root, layer) : null;
  } catch {
    continue;
  }
  for (const file of files(dir)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(root, file);
    if (/\beval\s*\(|new\s+Function\s*\(/.test(text)) problems.push(`${where}: eval or new Function`);
    if (pure.has(layer) && clockOrRandom.test(text)) problems.push(`${where}: wall clock or randomness in a pure folder`);
    for (const [, spec] of text.matchAll(/\b(?:import|export)\b[^'";]*?(?:\bfrom\s+)?['"]([^'"]+)['"]/g)) {
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec));
        const targetLayer = target.split(sep)[0];
        if (targetLayer === layer) continue;
        if (!layers.includes(targetLayer)) {
          problems.push(`${where}: imports ${spec}, outside the source folders`);
        } else if (layers.indexOf(targetLayer) > layers.indexOf(layer)) {
          problems.push(`${where}: imports ${spec}; ${layer}/ may not import ${targetLayer}/ (schemas <- events <- projections <- actors <- runtime)`);
        } else if (target !== join(targetLayer, 'index.ts')) {
          problems.push(`${where}: imports ${spec}; use ${targetLayer}/index.ts, the folder's public face`);
        }
      } else if (pure.has(layer) && ioModules.test(spec)) {
        problems.push(`${where}: imports ${spec}; ${layer}/ must stay pure (no I/O)`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`Layer check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('Layer check: imports point one way, pure folders stay pure.');
