// The selected section lives in the URL hash (#runs), so reloads and the back button keep the
// place without a router, and hash changes never count as navigation for the Electron guard.
import { computed, onBeforeUnmount, onMounted, ref, type ComputedRef } from 'vue';
import type { WorkbenchSection } from '../sections';

export function useActiveSection(sections: readonly [WorkbenchSection, ...WorkbenchSection[]]): ComputedRef<WorkbenchSection> {
  const hash = ref(window.location.hash);
  const update = (): void => {
    hash.value = window.location.hash;
  };
  onMounted(() => window.addEventListener('hashchange', update));
  onBeforeUnmount(() => window.removeEventListener('hashchange', update));
  return computed(() => sections.find((section) => `#${section.id}` === hash.value) ?? sections[0]);
}
