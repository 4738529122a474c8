import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The fault suite (`pnpm test:faults`): real server processes behind fault proxies, one file at
// a time so the timings it reports are not skewed by its own other files.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/faults/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 90_000,
  },
});
