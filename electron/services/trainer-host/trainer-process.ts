/**
 * The trainer process as the host sees it, whatever started it: `child_process.fork` (local
 * server, tests, development; below) or Electron's `utilityProcess.fork` (the app;
 * electron/main/utility-trainer-host.ts). The host's lifecycle logic (trainer-host.ts) only
 * talks to this interface.
 *
 * Plain Node: no electron, no tfjs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostMessage } from '../../../trainer/contract/trainer-protocol.js';

/** How the process ended, as far as the launcher can tell. */
export interface ProcessExit {
  /** Exit code; null when ended by a signal. Racy on crashes in Electron (a crash can read 0). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /**
   * Electron's `child-process-gone` reason when known: 'clean-exit' | 'abnormal-exit' | 'killed'
   * | 'crashed' | 'oom' | 'launch-failed' | 'integrity-failure'.
   */
  goneReason?: string;
}

export interface TrainerProcess {
  /** Set once the process has spawned (launch() resolves only then). */
  readonly pid: number;
  send(message: HostMessage): void;
  /** Sends a signal (SIGTERM or SIGKILL). False if the process is already gone. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): boolean;
  onMessage(listener: (value: unknown) => void): void;
  onStderr(listener: (text: string) => void): void;
  onStdout(listener: (text: string) => void): void;
  /** Once, after the process ended and its output streams closed. */
  onExit(listener: (exit: ProcessExit) => void): void;
}

export interface LaunchOptions {
  /** Shown in Electron's process list and child-process-gone (`serviceName`). */
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  /** Extra V8 flags, e.g. `--max-old-space-size=8192`. */
  execArgv?: string[];
}

export interface TrainerLauncher {
  readonly kind: 'fork' | 'electron-utility';
  /** Resolves once the process runs (pid known); rejects when it cannot start. */
  launch(options: LaunchOptions): Promise<TrainerProcess>;
}

export interface TrainerEntry {
  /** Absolute path of the trainer entry module. */
  modulePath: string;
  /** V8/Node flags the entry needs (tsx for the TypeScript sources). */
  execArgv: string[];
}

/**
 * Where the trainer entry is. From the compiled app (`dist/electron/...js`) it is the compiled
 * `dist/trainer/process/trainer-main.js`; from the TypeScript sources (development, tests) it is
 * `trainer/process/trainer-main.ts` run through tsx, so a stale dist/ is never used.
 */
export function resolveTrainerEntry(): TrainerEntry {
  const fromSources = import.meta.url.endsWith('.ts');
  const modulePath = fileURLToPath(new URL(`../../../trainer/process/trainer-main.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  if (!fromSources) return { modulePath, execArgv: [] };
  if (!existsSync(modulePath)) throw new Error(`the trainer entry ${modulePath} is missing`);
  return { modulePath, execArgv: ['--import', import.meta.resolve('tsx')] };
}

/** child_process.fork of the real trainer entry, with an IPC channel and piped output. */
export class ForkLauncher implements TrainerLauncher {
  readonly kind = 'fork' as const;
  private readonly entry: TrainerEntry;

  constructor(entry: TrainerEntry = resolveTrainerEntry()) {
    this.entry = entry;
  }

  async launch(options: LaunchOptions): Promise<TrainerProcess> {
    const child = fork(this.entry.modulePath, [], {
      execArgv: [...this.entry.execArgv, ...(options.execArgv ?? [])],
      env: { ...(options.env ?? process.env), FRA_TRAINER_SERVICE: options.serviceName },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return new ForkedTrainer(child);
  }
}

class ForkedTrainer implements TrainerProcess {
  readonly pid: number;
  private exit: ProcessExit | undefined;
  private readonly exitListeners: ((exit: ProcessExit) => void)[] = [];

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid!;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    // Drain stdout even with no listener, so a chatty trainer never blocks on a full pipe.
    child.stdout?.resume();
    child.stderr?.resume();
    // 'close' comes after the output streams ended, so the whole stderr (an OOM message) is in.
    child.once('close', (code, signal) => {
      this.exit = { code, signal };
      for (const listener of this.exitListeners.splice(0)) listener(this.exit);
    });
    child.on('error', () => undefined); // send() after exit; 'close' reports the end
  }

  send(message: HostMessage): void {
    if (this.child.connected) this.child.send(message, (error) => void error);
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): boolean {
    if (this.exit !== undefined || this.child.exitCode !== null || this.child.signalCode !== null) return false;
    return this.child.kill(signal);
  }

  onMessage(listener: (value: unknown) => void): void {
    this.child.on('message', (value: unknown) => listener(value));
  }

  onStderr(listener: (text: string) => void): void {
    this.child.stderr?.on('data', (text: string) => listener(text));
  }

  onStdout(listener: (text: string) => void): void {
    this.child.stdout?.on('data', (text: string) => listener(text));
  }

  onExit(listener: (exit: ProcessExit) => void): void {
    if (this.exit !== undefined) listener(this.exit);
    else this.exitListeners.push(listener);
  }
}
