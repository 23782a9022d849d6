import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { h, nextTick } from 'vue';
import VirtualGrid from '../../renderer/src/components/VirtualGrid.vue';

const MILLION = 1_000_000;

function mountGrid(itemCount = MILLION) {
  return mount(VirtualGrid, {
    attachTo: document.body,
    props: {
      itemCount,
      label: 'Generated items',
      minItemWidth: 100,
      itemHeight: 100,
      gap: 0,
      overscanRows: 1,
      fallbackWidth: 1000,
      fallbackHeight: 500,
      renderItem: (index: number) => h('span', { class: 'item' }, `#${index}`),
    },
  });
}

function renderedIndices(wrapper: ReturnType<typeof mountGrid>): number[] {
  return wrapper.findAll('[data-testid="virtual-grid-cell"]').map((cell) => Number(cell.attributes('data-index')));
}

async function scrollTo(wrapper: ReturnType<typeof mountGrid>, top: number): Promise<void> {
  const element = wrapper.element as HTMLElement;
  element.scrollTop = top;
  await wrapper.trigger('scroll');
  await nextTick();
}

describe('VirtualGrid', () => {
  it('renders only the visible rows of 1,000,000 items', () => {
    const wrapper = mountGrid();
    const indices = renderedIndices(wrapper);
    // 10 columns × (5 visible rows + 1 partial + 1 overscan below).
    expect(indices.length).toBeLessThanOrEqual(70);
    expect(indices.length).toBeGreaterThanOrEqual(50);
    expect(indices[0]).toBe(0);
    expect(wrapper.find('.item').text()).toBe('#0');
    expect(wrapper.attributes('aria-rowcount')).toBe(String(MILLION / 10));
    wrapper.unmount();
  });

  it('changes which cells render when scrolled, reaching the very last item despite the height cap', async () => {
    const wrapper = mountGrid();
    await scrollTo(wrapper, 1000);
    const afterScroll = renderedIndices(wrapper);
    expect(afterScroll).not.toContain(0);
    expect(Math.min(...afterScroll)).toBeGreaterThan(0);
    expect(afterScroll.length).toBeLessThanOrEqual(80);

    const spacer = wrapper.find('.vgrid__spacer').element as HTMLElement;
    const spacerHeight = parseFloat(spacer.style.height);
    expect(spacerHeight).toBeLessThan(MILLION * 10); // capped (100 px rows × 100,000 rows would be 10M px)
    await scrollTo(wrapper, spacerHeight - 500);
    const atEnd = renderedIndices(wrapper);
    expect(atEnd).toContain(MILLION - 1);
    expect(atEnd.length).toBeLessThanOrEqual(80);
    expect(wrapper.findAll('.item').at(-1)?.text()).toBe(`#${MILLION - 1}`);
    const ranges = wrapper.emitted('range') as [{ first: number; last: number }][];
    expect(ranges[0]?.[0].first).toBe(0);
    expect(ranges.at(-1)?.[0].last).toBe(MILLION - 1);
    wrapper.unmount();
  });

  it('moves the active cell with the keyboard and scrolls it into view', async () => {
    const wrapper = mountGrid(1000);
    await wrapper.trigger('keydown', { key: 'ArrowRight' });
    expect(wrapper.emitted('update:activeIndex')?.at(-1)).toEqual([1]);
    await wrapper.setProps({ activeIndex: 1 });
    await wrapper.trigger('keydown', { key: 'ArrowDown' });
    expect(wrapper.emitted('update:activeIndex')?.at(-1)).toEqual([11]);
    await wrapper.setProps({ activeIndex: 11 });
    await wrapper.trigger('keydown', { key: 'End', ctrlKey: true });
    expect(wrapper.emitted('update:activeIndex')?.at(-1)).toEqual([999]);
    await wrapper.setProps({ activeIndex: 999 });
    await nextTick();
    expect(renderedIndices(wrapper)).toContain(999);
    expect(wrapper.find('[aria-selected="true"]').attributes('data-index')).toBe('999');
    await wrapper.trigger('keydown', { key: 'Enter' });
    expect(wrapper.emitted('activate')?.at(-1)).toEqual([999]);
    wrapper.unmount();
  });

  it('renders the cell slot when given instead of renderItem', () => {
    const wrapper = mount(VirtualGrid, {
      props: { itemCount: 3, label: 'Three', fallbackWidth: 400, fallbackHeight: 300 },
      slots: { cell: ({ index }: { index: number }) => h('b', `slot ${index}`) },
    });
    expect(wrapper.findAll('b').map((b) => b.text())).toEqual(['slot 0', 'slot 1', 'slot 2']);
  });
});
