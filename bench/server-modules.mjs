// The built server and the packages it runs with, loaded from apps/server so the harness measures
// exactly what `node apps/server/dist/main.js` runs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SERVER_DIR = fileURLToPath(new URL('../apps/server/', import.meta.url));
export const SERVER_MAIN = `${SERVER_DIR}dist/main.js`;

/**
 * The Node flags the server's `start` script runs it with (its heap limits): the harness starts
 * the server as an operator does.
 */
export const SERVER_NODE_FLAGS = (() => {
  const { scripts } = JSON.parse(readFileSync(`${SERVER_DIR}package.json`, 'utf8'));
  const match = /^node ((?:--\S+ )*)dist\/main\.js$/.exec(scripts.start);
  if (!match) throw new Error(`apps/server's start script is not "node [flags] dist/main.js"`);
  return match[1].trim().split(' ').filter(Boolean);
})();

const serverRequire = createRequire(`${SERVER_DIR}package.json`);

/** A module as the server resolves it: one of its packages, or `./dist/…` of the server itself. */
export function server(specifier) {
  return serverRequire(
    specifier.startsWith('./') ? `${SERVER_DIR}${specifier.slice(2)}` : specifier,
  );
}
