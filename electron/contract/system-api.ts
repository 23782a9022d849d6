// The `system.*` slice of the renderer⇄host contract: facts about the running host.
// Each feature area (datasets, runs, …) adds a sibling `<area>-api.ts` and is merged in api-table.ts.
import { z } from 'zod';

/** Which host answers the renderer: the Electron main process or the local HTTP server. */
export const hostKindSchema = z.enum(['electron', 'server']);
export type HostKind = z.infer<typeof hostKindSchema>;

export const systemInfoSchema = z.object({
  appName: z.string(),
  appVersion: z.string(),
  hostKind: hostKindSchema,
  platform: z.string(),
  arch: z.string(),
  nodeVersion: z.string(),
  /** Present only when the host runs inside Electron. */
  electronVersion: z.string().optional(),
  /** Absolute path of the folder that holds datasets, runs and checkpoints. */
  workspace: z.string(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

export const logLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);

export const systemMethods = {
  'system.getInfo': {
    input: z.undefined(),
    output: systemInfoSchema,
  },
  /** Echo, so tests and diagnostics can exercise the whole transport without side effects. */
  'system.ping': {
    input: z.object({ message: z.string().max(10_000) }),
    output: z.object({ message: z.string(), time: z.iso.datetime() }),
  },
} as const;

export const systemEvents = {
  'system.log': z.object({
    level: logLevelSchema,
    message: z.string(),
    time: z.iso.datetime(),
  }),
} as const;
export type SystemLogEntry = z.infer<(typeof systemEvents)['system.log']>;
