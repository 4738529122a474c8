import { defineConfig } from 'vitest/config';

// One test installs and builds a whole generated package.
export default defineConfig({ test: { testTimeout: 180_000 } });
