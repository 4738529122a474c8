import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the tests so Nest's decorators get their metadata (esbuild does not emit it).
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The fault suite runs on its own (vitest.faults.config.mts, `pnpm test:faults`).
    exclude: ['**/node_modules/**', 'test/faults/**'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
