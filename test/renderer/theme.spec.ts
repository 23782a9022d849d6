import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import ThemeSwitch from '../../renderer/src/components/ThemeSwitch.vue';
import { initTheme, resolveTheme, useTheme } from '../../renderer/src/composables/use-theme';

describe('theme', () => {
  it('resolves "system" from the OS preference and honours an explicit choice', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('applies the switch choice to <html data-theme> and remembers it', async () => {
    initTheme();
    const wrapper = mount(ThemeSwitch);
    await wrapper.get('select[aria-label="Colour theme"]').setValue('dark');
    await nextTick();
    expect(document.documentElement.dataset['theme']).toBe('dark');
    expect(window.localStorage.getItem('fra-workbench.theme')).toBe('dark');
    await wrapper.get('select').setValue('light');
    await nextTick();
    expect(document.documentElement.dataset['theme']).toBe('light');
    expect(useTheme().resolved.value).toBe('light');
    await wrapper.get('select').setValue('system');
    await nextTick();
    expect(window.localStorage.getItem('fra-workbench.theme')).toBeNull();
  });
});
