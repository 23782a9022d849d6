// Types for start-preflight.mjs, so TypeScript tests can import it under strict settings.
export declare const SERVE_FALLBACK_FLAG: '--serve-fallback';

export type ElectronProbe =
  | { found: true; path: string; source: 'override' | 'npm' }
  | { found: false; problem: 'override-missing'; path: string }
  | { found: false; problem: 'download-failed'; detail: string };

export type StartDecision =
  | { action: 'launch'; electronPath: string; appArgs: string[] }
  | { action: 'serve'; notice: string; serveArgs: string[] }
  | { action: 'exit'; exitCode: 1; message: string };

export declare function hasDisplay(platform: string, env: Readonly<Record<string, string | undefined>>): boolean;
export declare function electronExecutableIn(distDir: string, platform: string): string;
export declare function firstFailureLine(output: string): string;
export declare function decideStart(facts: {
  platform: string;
  env: Readonly<Record<string, string | undefined>>;
  args: readonly string[];
  probeElectron: () => ElectronProbe;
}): StartDecision;
export declare function probeElectronBinary(options: {
  platform: string;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}): ElectronProbe;
