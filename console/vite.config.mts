import { defineConfig } from 'vite';

// Built by `npm run build` (scripts/build.js) into console/dist/, which Tessera serves at /console/
// (src/console/). No React plugin: its value is Fast Refresh in a dev server, and Oxc, Vite's own
// transform, compiles JSX with the automatic runtime.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The server gzips each file once at start; the report below is what a browser downloads.
    reportCompressedSize: true,
  },
});
