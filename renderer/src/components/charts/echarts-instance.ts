// The one place ECharts is set up: tree-shaken registration of what metrics charts use, renderer
// choice, and a composable that owns an instance's lifetime (init on mount, resize with its box,
// dispose on unmount). ECharts is only reached through this module and MetricsChart.vue.
import { LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import { onBeforeUnmount, onMounted, shallowRef, type Ref, type ShallowRef } from 'vue';

use([LineChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, CanvasRenderer, SVGRenderer]);

export type ChartRenderer = 'canvas' | 'svg';

/**
 * Canvas when the page can draw on one (every browser and Electron); SVG otherwise, e.g. a DOM
 * without a 2-D canvas context such as the test environment, so the chart still renders.
 */
export function pickRenderer(): ChartRenderer {
  try {
    return document.createElement('canvas').getContext('2d') ? 'canvas' : 'svg';
  } catch {
    return 'svg';
  }
}

export interface ChartInstanceOptions {
  renderer?: ChartRenderer;
  /** Size used while the host has no layout box yet (hidden tab, test DOM). */
  fallbackSize: { width: number; height: number };
  onReady: (chart: ECharts) => void;
  onResize: () => void;
}

export function useChartInstance(host: Ref<HTMLElement | null>, options: ChartInstanceOptions): ShallowRef<ECharts | null> {
  const chart = shallowRef<ECharts | null>(null);
  let observer: ResizeObserver | undefined;

  onMounted(() => {
    const element = host.value;
    if (element === null) return;
    const hasBox = element.clientWidth > 0 && element.clientHeight > 0;
    const instance = init(element, undefined, {
      renderer: options.renderer ?? pickRenderer(),
      ...(hasBox ? {} : options.fallbackSize),
    });
    chart.value = instance;
    options.onReady(instance);
    if (typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver(() => {
        // A hidden tab (KeepAlive) reports 0×0: keep the last size rather than collapse the chart.
        if (element.clientWidth === 0 || element.clientHeight === 0) return;
        instance.resize({ width: 'auto', height: 'auto' });
        options.onResize();
      });
      observer.observe(element);
    }
  });

  onBeforeUnmount(() => {
    observer?.disconnect();
    chart.value?.dispose();
    chart.value = null;
  });

  return chart;
}

/** Coalesces work to at most once per animation frame (zoom and pan fire many events per frame). */
export function createFrameScheduler(work: () => void): { schedule: () => void; cancel: () => void } {
  let pending: number | null = null;
  const request = typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (cb: FrameRequestCallback) => setTimeout(() => cb(performance.now()), 16) as unknown as number;
  const cancelRequest = typeof cancelAnimationFrame === 'function' ? cancelAnimationFrame : (id: number) => clearTimeout(id);
  return {
    schedule() {
      if (pending !== null) return;
      pending = request(() => {
        pending = null;
        work();
      });
    },
    cancel() {
      if (pending !== null) cancelRequest(pending);
      pending = null;
    },
  };
}

/** The zrender display list, as far as releaseLinePathRecords needs it. */
interface DisplayListOwner {
  storage?: { getDisplayList?: () => unknown[] };
}
interface LineElement {
  type?: unknown;
  silent?: boolean;
  path?: unknown;
}

/**
 * Makes the chart's line elements draw straight to the canvas instead of also recording every
 * point for hit-testing. zrender records a path's points unless the element itself is `silent`,
 * and ECharts sets a silent series' flag on the series' group only, so each frame of a pan wrote
 * ~30,000 numbers into a growable array nobody reads (a quarter of the chart's script time).
 * Metrics lines are silent (the tooltip follows the axis pointer), so nothing is lost. Call after
 * each setOption (a line appears as an element once it has points); a walk over the few dozen
 * elements of a chart. Anything unexpected is left alone.
 */
export function releaseLinePathRecords(chart: ECharts): void {
  const zr = chart.getZr() as unknown as DisplayListOwner;
  const elements = zr.storage?.getDisplayList?.() ?? [];
  for (const element of elements) {
    const line = element as LineElement;
    if (line.type !== 'ec-polyline' || line.silent === true) continue;
    line.silent = true;
    // Without a recorded path the next draw goes through zrender's shared, non-recording one.
    line.path = undefined;
  }
}
