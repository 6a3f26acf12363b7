#!/usr/bin/env node
// The dependency rules of STYLE.md, checked on every `npm test` rather than by memory:
// - imports point schemas <- log <- projections <- actors <- runtime;
// - another top folder is reached only through its public index.ts;
// - inside a top folder, a file in a sub-folder (runtime/a/) reaches another sub-folder
//   (runtime/b/) only through runtime/b/index.ts, never past it, and never through its own top
//   folder's index.ts (which re-exports its own sub-folder too);
// - the sub-folders of one top folder import each other without cycles;
// - schemas/, projections/ and actors/ import no I/O (node:*, dockerode, kafkajs, libp2p, …) and
//   read no clock or randomness; nobody evals.
// Imports are read with TypeScript's own pre-processor, so strings and comments that look like
// imports are not taken for them, and `import type`, `export … from` and `import()` all count.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ioModules, layers, pureLayers } from './layers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pure = new Set(pureLayers);
const clockOrRandom = /\b(Date\.now\(|Math\.random\(|new Date\(\)|performance\.now\()/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

function importsOf(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** `runtime/node/node.ts` → `node`; undefined for a file at the top of its folder. */
function subFolderOf(path) {
  const parts = path.split(sep);
  return parts.length > 2 ? parts[1] : undefined;
}

const problems = [];
/** Per top folder: sub-folder → sub-folder it imports → one import that shows it. */
const edges = new Map(layers.map((layer) => [layer, new Map()]));

function checkSameLayer(layer, where, spec, target) {
  const from = subFolderOf(where);
  const to = subFolderOf(target);
  if (from !== undefined && target === join(layer, 'index.ts')) {
    problems.push(`${where}: imports ${spec}; import the sub-folder it needs, not ${layer}/index.ts (it re-exports ${layer}/${from}/ too)`);
    return;
  }
  if (to === undefined || from === to) return;
  if (target !== join(layer, to, 'index.ts')) {
    problems.push(`${where}: imports ${spec}; use ${layer}/${to}/index.ts, the sub-folder's public face`);
  }
  if (from === undefined) return;
  const out = edges.get(layer).get(from) ?? new Map();
  edges.get(layer).set(from, out);
  if (!out.has(to)) out.set(to, `${where} imports ${spec}`);
}

function checkFile(layer, file) {
  const text = readFileSync(file, 'utf8');
  const where = relative(root, file);
  if (/\beval\s*\(|new\s+Function\s*\(/.test(text)) problems.push(`${where}: eval or new Function`);
  if (pure.has(layer) && clockOrRandom.test(text)) problems.push(`${where}: wall clock or randomness in a pure folder`);
  for (const spec of importsOf(text)) {
    if (!spec.startsWith('.')) {
      if (pure.has(layer) && ioModules.test(spec)) problems.push(`${where}: imports ${spec}; ${layer}/ must stay pure (no I/O)`);
      continue;
    }
    const target = relative(root, resolve(dirname(file), spec));
    const targetLayer = target.split(sep)[0];
    if (targetLayer === layer) {
      checkSameLayer(layer, where, spec, target);
    } else if (!layers.includes(targetLayer)) {
      problems.push(`${where}: imports ${spec}, outside the source folders`);
    } else if (layers.indexOf(targetLayer) > layers.indexOf(layer)) {
      problems.push(`${where}: imports ${spec}; ${layer}/ may not import ${targetLayer}/ (schemas <- log <- projections <- actors <- runtime)`);
    } else if (target !== join(targetLayer, 'index.ts')) {
      problems.push(`${where}: imports ${spec}; use ${targetLayer}/index.ts, the folder's public face`);
    }
  }
}

/** The shortest way back from `start` to itself in `graph`, as a list of nodes, or undefined. */
function shortestCycle(graph, start) {
  const cameFrom = new Map();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const next of graph.get(queue[i])?.keys() ?? []) {
      if (next === start) {
        const path = [queue[i]];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]));
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, queue[i]);
        queue.push(next);
      }
    }
  }
  return undefined;
}

function checkCycles(layer) {
  const graph = edges.get(layer);
  const reported = new Set();
  for (const start of [...graph.keys()].sort()) {
    const cycle = shortestCycle(graph, start);
    if (cycle === undefined) continue;
    const key = [...cycle.slice(1)].sort().join(' ');
    if (reported.has(key)) continue;
    reported.add(key);
    const shown = cycle.slice(1).map((to, i) => graph.get(cycle[i]).get(to));
    problems.push(`${layer}/: a cycle ${cycle.map((s) => `${layer}/${s}`).join(' -> ')} (${shown.join('; ')})`);
  }
}

for (const layer of layers) {
  let dir;
  try {
    dir = statSync(join(root, layer)).isDirectory() ? join(root, layer) : null;
  } catch {
    continue;
  }
  for (const file of files(dir)) checkFile(layer, file);
  checkCycles(layer);
}

if (problems.length > 0) {
  console.error(`Layer check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log("Layer check: imports point one way, through each folder's index.ts, without cycles; pure folders stay pure.");
