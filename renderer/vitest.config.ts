// Component and store tests (Vitest + happy-dom + @vue/test-utils). They live in test/renderer/
// as *.spec.ts, so the Node test runner (which takes *.test.ts) never picks them up.
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const fromHere = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@contract': fromHere('../electron/contract') },
  },
  test: {
    root: fromHere('..'),
    include: ['test/renderer/**/*.spec.ts'],
    environment: 'happy-dom',
    // Two cores on CI: keep the pool small so the Node test stage is not starved when run alongside.
    pool: 'threads',
    maxWorkers: 2,
  },
});
