// Builds the renderer once for both hosts: `base: './'` keeps asset URLs relative, which Electron's
// loadFile (file://) needs and the local server (http://127.0.0.1) does not mind.
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';
import { contentSecurityPolicyForMeta } from '../electron/contract/content-security-policy.js';

const fromHere = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

const CSP_PLACEHOLDER = '<!-- content-security-policy -->';

/**
 * Puts the shared CSP into index.html as a meta tag: under file:// there are no response headers,
 * so the meta tag is what protects the Electron window. It replaces a placeholder right after
 * <meta charset> so it precedes every script and stylesheet. Build only: the dev server injects inline styles.
 */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'fra-content-security-policy-meta',
    apply: 'build',
    transformIndexHtml(html) {
      if (!html.includes(CSP_PLACEHOLDER)) throw new Error(`renderer/index.html lost its ${CSP_PLACEHOLDER} placeholder.`);
      return html.replace(CSP_PLACEHOLDER, `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicyForMeta}" />`);
    },
  };
}

export default defineConfig({
  root: fromHere('.'),
  base: './',
  plugins: [vue(), contentSecurityPolicyMeta()],
  resolve: {
    alias: { '@contract': fromHere('../electron/contract') },
  },
  build: {
    outDir: fromHere('../dist/renderer'),
    emptyOutDir: true,
    sourcemap: true,
  },
});
