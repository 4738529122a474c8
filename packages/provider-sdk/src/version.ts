import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version of this SDK, stamped on every provider it defines. */
export const SDK_VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
