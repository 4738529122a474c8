// The built server and the packages it runs with, loaded from apps/server so the harness measures
// exactly what `node apps/server/dist/main.js` runs.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SERVER_DIR = fileURLToPath(new URL('../apps/server/', import.meta.url));
export const SERVER_MAIN = `${SERVER_DIR}dist/main.js`;

const serverRequire = createRequire(`${SERVER_DIR}package.json`);

/** A module as the server resolves it: one of its packages, or `./dist/…` of the server itself. */
export function server(specifier) {
  return serverRequire(
    specifier.startsWith('./') ? `${SERVER_DIR}${specifier.slice(2)}` : specifier,
  );
}
