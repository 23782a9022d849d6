// The selected top-level section: the first segment of the route (see use-route.ts).
import { computed, type ComputedRef } from 'vue';
import type { WorkbenchSection } from '../sections';
import { useRoute } from './use-route';

export function useActiveSection(sections: readonly [WorkbenchSection, ...WorkbenchSection[]]): ComputedRef<WorkbenchSection> {
  const { route } = useRoute();
  return computed(() => sections.find((section) => section.id === route.value.section) ?? sections[0]);
}
