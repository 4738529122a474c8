import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from './config/tether-config';
import { createApp } from './create-app';
import { openApiDocument } from './http/openapi-document';
import { ProviderRegistry } from './providers/provider-registry';

/**
 * Writes the OpenAPI document of the default installation (every network, in the sandbox) to a
 * file, without listening or touching any real data: `node dist/write-openapi.js <file>`.
 * `@tether/client` is generated from it at build time.
 */
async function main(file: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tether-openapi-'));
  try {
    const config = loadConfig({ TETHER_DATA_DIR: join(dir, 'data'), TETHER_SANDBOX: 'true' }, dir);
    const app = await createApp(config, { logDestination: { write: () => undefined } });
    const document = openApiDocument(app, {
      sandbox: config.sandbox,
      registry: app.get(ProviderRegistry),
    });
    await app.close();
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('Usage: write-openapi <file>\n');
  process.exit(2);
}
main(resolve(file)).catch((error: unknown) => {
  process.stderr.write(
    `Could not write the OpenAPI document: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
