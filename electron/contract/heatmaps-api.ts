// The `heatmaps.*` slice of the renderer⇄host contract. (Being built: see issue 6.)
import type { z } from 'zod';
import type { MethodSpec } from './api-table.js';

export const heatmapsMethods = {} as const satisfies Record<string, MethodSpec>;

export const heatmapsEvents = {} as const satisfies Record<string, z.ZodType>;
