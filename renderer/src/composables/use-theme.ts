// Light / dark / follow-the-system, remembered per machine (localStorage) and applied as
// <html data-theme="light|dark"> so every token in styles/theme.css switches at once.
import { ref, watch, type Ref } from 'vue';

export type ThemePreference = 'system' | 'light' | 'dark';
export type ResolvedTheme = 'light' | 'dark';

const STORAGE_KEY = 'fra-workbench.theme';
const preference = ref<ThemePreference>('system');
const resolved = ref<ResolvedTheme>('light');
let initialised = false;

function readPreference(): ThemePreference {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  } catch {
    return 'system'; // storage disabled: follow the system
  }
}

export function resolveTheme(choice: ThemePreference, systemPrefersDark: boolean): ResolvedTheme {
  if (choice === 'system') return systemPrefersDark ? 'dark' : 'light';
  return choice;
}

/** Call once at start-up (main.ts), before mounting, so the first paint has the right colours. */
export function initTheme(): void {
  if (initialised) return;
  initialised = true;
  const media = window.matchMedia?.('(prefers-color-scheme: dark)');
  const apply = (): void => {
    resolved.value = resolveTheme(preference.value, media?.matches ?? false);
    document.documentElement.dataset['theme'] = resolved.value;
  };
  preference.value = readPreference();
  apply();
  media?.addEventListener('change', apply);
  watch(preference, (value) => {
    try {
      if (value === 'system') window.localStorage.removeItem(STORAGE_KEY);
      else window.localStorage.setItem(STORAGE_KEY, value);
    } catch {
      // not persisted; still applied for this session
    }
    apply();
  });
}

export function useTheme(): { preference: Ref<ThemePreference>; resolved: Readonly<Ref<ResolvedTheme>> } {
  return { preference, resolved };
}
