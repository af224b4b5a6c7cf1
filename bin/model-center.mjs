#!/usr/bin/env node
// In a source checkout the CLI runs from its TypeScript sources through tsx; in a packaged app from the build.
import { existsSync } from 'node:fs';

const source = new URL('../src/main/cli/index.ts', import.meta.url);
const built = new URL('../out/main/cli.js', import.meta.url);

if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write('model-center: neither the sources nor the build were found next to this script.\n');
  process.exit(1);
}
