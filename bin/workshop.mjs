#!/usr/bin/env node
// Entry point of every `npm run <command>`. Plain JavaScript on purpose: it starts in
// a few milliseconds, then runs the CLI from a compiled copy of verify/ and lessons/
// (TypeScript turned into JavaScript by esbuild, file by file). The copy is rebuilt
// whenever a source file changed, so editing the TypeScript just works. Running the
// TypeScript through a loader on every command cost a learner ~0.4 s each time.
import { pathToFileURL } from 'node:url';
import { ensureBuilt } from './build-cli.mjs';

const outDir = await ensureBuilt();
const { main } = await import(pathToFileURL(`${outDir}/verify/cli.js`).href);
process.exitCode = await main(process.argv.slice(2));
