// The UI bench page (bench/ui.bench.ts builds and drives it): the app's real VirtualGrid and
// MetricsChart components over 1,000,000 generated entries, with no host behind them, and a
// frame-time probe. `?scene=grid` or `?scene=chart&smoothing=0.6`.
import { createApp, h, ref } from 'vue';
import MetricsChart from '../../renderer/src/components/charts/MetricsChart.vue';
import VirtualGrid from '../../renderer/src/components/VirtualGrid.vue';
import '../../renderer/src/styles/theme.css';

const ENTRIES = 1_000_000;
const params = new URLSearchParams(window.location.search);
const scene = params.get('scene') ?? 'grid';

interface FrameStats {
  frames: number;
  frameMs: number[];
}

/** Runs `step(i)` once per animation frame for `frames` frames; returns the time between frames. */
function measureFrames(frames: number, step: (i: number) => void): Promise<FrameStats> {
  return new Promise((resolve) => {
    const frameMs: number[] = [];
    let last = performance.now();
    let i = 0;
    const tick = (now: number): void => {
      if (i > 0) frameMs.push(now - last);
      last = now;
      if (i === frames) return resolve({ frames, frameMs });
      step(i++);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

declare global {
  interface Window {
    bench: {
      ready: boolean;
      run(frames: number): Promise<FrameStats>;
      /** Chart scene: milliseconds of main-thread work per pan step, rendered synchronously (no frame pacing). */
      renderMs?(frames: number): number[];
    };
  }
}

if (scene === 'grid') {
  const app = createApp({
    render: () =>
      h('div', { style: 'height: 900px; width: 1280px' }, [
        h(VirtualGrid, {
          itemCount: ENTRIES,
          label: 'Generated entries',
          fallbackWidth: 1280,
          fallbackHeight: 900,
          renderItem: (i: number) => h('div', { class: 'bench-cell', style: `background: hsl(${(i * 37) % 360} 40% 50%)` }, `#${i}`),
        }),
      ]),
  });
  app.mount('#app');
  const viewport = (): HTMLElement => document.querySelector('.vgrid') as HTMLElement;
  window.bench = {
    ready: true,
    // A fast flick: 600 px per frame (about four rows), the way a trackpad fling scrolls.
    run: (frames) =>
      measureFrames(frames, (i) => {
        viewport().scrollTop = (i + 1) * 600;
      }),
  };
} else {
  const x = new Float64Array(ENTRIES);
  const y = new Float64Array(ENTRIES);
  for (let i = 0; i < ENTRIES; i++) {
    x[i] = i + 1;
    y[i] = 5 / (1 + i / 2e4) + 0.2 * Math.sin(i / 7);
  }
  y[777_777] = 40; // a single-step spike that downsampling must keep
  const chart = ref<InstanceType<typeof MetricsChart>>();
  const smoothing = Number(params.get('smoothing') ?? '0.6');
  createApp({
    render: () =>
      h('div', { style: 'width: 1280px' }, [
        h(MetricsChart, { ref: chart, chartId: 'bench', title: 'Loss (1,000,000 steps)', series: [{ id: 'a', label: 'run a', x, y }], smoothing, height: 360 }),
      ]),
  }).mount('#app');
  // Pan a window of a tenth of the series across it, 0.5 % of the series per frame.
  const panTo = (i: number): void => {
    const min = 1 + ((i * ENTRIES) / 200) % (ENTRIES * 0.9);
    chart.value?.setWindow({ min, max: min + ENTRIES / 10 });
  };
  window.bench = {
    ready: true,
    run: (frames) => measureFrames(frames, panTo),
    renderMs: (frames) => {
      const canvas = document.querySelector('[data-testid="chart-bench"] canvas');
      const context = canvas instanceof HTMLCanvasElement ? canvas.getContext('2d') : null;
      const times: number[] = [];
      for (let i = 0; i < frames; i++) {
        const started = performance.now();
        panTo(i);
        chart.value?.renderNow();
        // Reading a pixel makes the canvas rasterise what was drawn, so that counts too.
        context?.getImageData(0, 0, 1, 1);
        times.push(performance.now() - started);
      }
      return times;
    },
  };
}
