/**
 * The trainer host inside the Electron app: the same lifecycle logic as the local server and the
 * tests (ProcessTrainerHost), with the trainer started by `utilityProcess.fork` instead of
 * `child_process.fork`.
 *
 * - `serviceName` is unique per run, so `app.getAppMetrics()` and `child-process-gone` can be
 *   matched to the run (`fra-trainer <run id>`).
 * - `stdio: 'pipe'`: stderr is kept (V8 prints its out-of-memory message there).
 * - Exit codes are racy on crashes (electron #42283: a crash can report 0), so the exit waits a
 *   moment for `app`'s `child-process-gone` and passes its `reason` ('clean-exit',
 *   'abnormal-exit', 'killed', 'crashed', 'oom', 'launch-failed', 'integrity-failure') on to the
 *   exit classification, which trusts it over the code (as VS Code's utility process wrapper does).
 *
 * Only electron/main imports this file. Type-checked here; it needs an Electron binary to run.
 */
import { app, utilityProcess, type UtilityProcess } from 'electron';
import type { HostMessage } from '../../trainer/contract/trainer-protocol.js';
import type { RunStore } from '../services/runs/run-store.js';
import { ProcessTrainerHost, type TrainerHostOptions } from '../services/trainer-host/trainer-host.js';
import { resolveTrainerEntry, type LaunchOptions, type ProcessExit, type TrainerEntry, type TrainerLauncher, type TrainerProcess } from '../services/trainer-host/trainer-process.js';

/** How long to wait after `exit` for `child-process-gone` (it may come before or after). */
const GONE_GRACE_MS = 1000;

interface GoneDetails {
  reason: string;
  exitCode: number;
  serviceName?: string;
  name?: string;
}

export class UtilityProcessLauncher implements TrainerLauncher {
  readonly kind = 'electron-utility' as const;
  /** child-process-gone details by serviceName, kept until the matching exit reads them. */
  private readonly gone = new Map<string, GoneDetails>();
  private readonly goneWaiters = new Map<string, (details: GoneDetails) => void>();

  constructor(private readonly entry: TrainerEntry = resolveTrainerEntry()) {
    app.on('child-process-gone', (_event, details) => {
      const key = details.serviceName ?? details.name;
      if (details.type !== 'Utility' || key === undefined) return;
      const waiter = this.goneWaiters.get(key);
      if (waiter !== undefined) {
        this.goneWaiters.delete(key);
        waiter(details);
      } else this.gone.set(key, details);
    });
  }

  async launch(options: LaunchOptions): Promise<TrainerProcess> {
    const child = utilityProcess.fork(this.entry.modulePath, [], {
      serviceName: options.serviceName,
      stdio: 'pipe',
      execArgv: [...this.entry.execArgv, ...(options.execArgv ?? [])],
      env: { ...(options.env ?? process.env), FRA_TRAINER_SERVICE: options.serviceName },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('exit', (code) => reject(new Error(`the trainer utility process exited with code ${code} before it started`)));
    });
    return new UtilityTrainer(child, options.serviceName, (name) => this.waitForGone(name));
  }

  private waitForGone(serviceName: string): Promise<GoneDetails | undefined> {
    const known = this.gone.get(serviceName);
    if (known !== undefined) {
      this.gone.delete(serviceName);
      return Promise.resolve(known);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.goneWaiters.delete(serviceName);
        resolve(undefined); // a clean exit does not always produce child-process-gone
      }, GONE_GRACE_MS);
      this.goneWaiters.set(serviceName, (details) => {
        clearTimeout(timer);
        resolve(details);
      });
    });
  }
}

class UtilityTrainer implements TrainerProcess {
  readonly pid: number;
  private exit: ProcessExit | undefined;
  private readonly exitListeners: ((exit: ProcessExit) => void)[] = [];
  private sentSignal: 'SIGTERM' | 'SIGKILL' | undefined;

  constructor(
    private readonly child: UtilityProcess,
    serviceName: string,
    waitForGone: (serviceName: string) => Promise<GoneDetails | undefined>,
  ) {
    this.pid = child.pid!;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.resume();
    child.stderr?.resume();
    child.once('exit', (code) => {
      void waitForGone(serviceName).then((gone) => {
        const killedBySignal = this.sentSignal !== undefined && (gone?.reason === 'killed' || code !== 0);
        this.exit = {
          code: killedBySignal ? null : code,
          signal: killedBySignal ? this.sentSignal! : null,
          ...(gone !== undefined ? { goneReason: gone.reason } : {}),
        };
        for (const listener of this.exitListeners.splice(0)) listener(this.exit);
      });
    });
  }

  send(message: HostMessage): void {
    if (this.exit === undefined && this.child.pid !== undefined) this.child.postMessage(message);
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): boolean {
    if (this.exit !== undefined || this.child.pid === undefined) return false;
    this.sentSignal = signal;
    if (signal === 'SIGTERM') return this.child.kill();
    try {
      process.kill(this.child.pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
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

/** The app's trainer host. Create after `app` is ready (utilityProcess.fork requires it). */
export class UtilityTrainerHost extends ProcessTrainerHost {
  constructor(store: RunStore, options: Omit<TrainerHostOptions, 'launcher'> & { entry?: TrainerEntry } = {}) {
    const { entry, ...rest } = options;
    super(store, { ...rest, launcher: new UtilityProcessLauncher(entry) });
  }
}
