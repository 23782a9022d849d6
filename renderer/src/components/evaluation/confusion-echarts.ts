// Registers the ECharts pieces the confusion heatmap needs on top of what the metrics charts
// register (components/charts/echarts-instance.ts: grid, tooltip, renderers).
import { HeatmapChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';
import { use } from 'echarts/core';

use([HeatmapChart, VisualMapComponent]);
