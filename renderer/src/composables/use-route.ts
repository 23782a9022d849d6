// The app's location lives in the URL hash: `#<section>/<path…>?<query>`, e.g. `#runs/2026-11-28_demo`
// or `#compare?a=run1:epoch-0001&b=run2:epoch-0002`. Reloads and the back button keep the place
// without a router, and hash changes never count as navigation for the Electron guard.
import { computed, readonly, ref, type ComputedRef } from 'vue';

export interface AppRoute {
  /** First hash segment ('' when the hash is empty). */
  section: string;
  /** Remaining segments, decoded. */
  path: string[];
  query: Record<string, string>;
}

export function parseRouteHash(hash: string): AppRoute {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const [pathPart = '', queryPart = ''] = text.split('?', 2);
  const [section = '', ...path] = pathPart.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(queryPart)) query[key] = value;
  return { section, path, query };
}

export function formatRouteHash(section: string, path: readonly string[] = [], query: Record<string, string | undefined> = {}): string {
  const segments = [section, ...path].map(encodeURIComponent).join('/');
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const search = params.toString();
  return `#${segments}${search === '' ? '' : `?${search}`}`;
}

const hash = ref(typeof window === 'undefined' ? '' : window.location.hash);
let listening = false;

function listen(): void {
  if (listening || typeof window === 'undefined') return;
  listening = true;
  window.addEventListener('hashchange', () => {
    hash.value = window.location.hash;
  });
}

/** The current route (reactive) and `navigate`, shared by the whole app. */
export function useRoute(): { route: ComputedRef<AppRoute>; navigate: (section: string, path?: readonly string[], query?: Record<string, string | undefined>) => void; hash: Readonly<typeof hash> } {
  listen();
  const route = computed(() => parseRouteHash(hash.value));
  function navigate(section: string, path: readonly string[] = [], query: Record<string, string | undefined> = {}): void {
    const next = formatRouteHash(section, path, query);
    if (window.location.hash !== next) window.location.hash = next;
    hash.value = next;
  }
  return { route, navigate, hash: readonly(hash) };
}
