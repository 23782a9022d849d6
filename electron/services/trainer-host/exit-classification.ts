/**
 * Why a trainer process ended, from what the host saw: the goodbye messages it received, the
 * exit code and signal, what it asked for itself, Electron's child-process-gone reason, and the
 * tail of stderr (V8 prints its heap-OOM message there before aborting).
 *
 * Electron's exit codes are racy on crashes (a crash can report 0; electron #42283), so a clean
 * exit needs the `done` message AND code 0, and `goneReason` wins over the code when present.
 */
import type { DoneReason } from '../../../trainer/contract/trainer-protocol.js';
import type { ProcessExit } from './trainer-process.js';

export type ExitReason = 'clean' | 'error' | 'killed' | 'crashed' | 'oom';

export interface ExitEvidence extends ProcessExit {
  done: DoneReason | undefined;
  errorReceived: boolean;
  /** The host itself sent SIGTERM/SIGKILL (kill()). */
  killRequested: boolean;
  stderrTail: string;
}

export interface ExitClassification {
  reason: ExitReason;
  /** Whether the kill came from the host (user) or from outside. */
  byUser: boolean;
  /** One sentence for the run's state history. */
  description: string;
}

const V8_OOM = /JavaScript heap out of memory|Reached heap limit|FATAL ERROR: .*Allocation failed|Fatal JavaScript out of memory|Cannot allocate Wasm memory|WebAssembly\.Memory\(\): could not allocate memory|RangeError: WebAssembly\.Memory/;

export function looksLikeOutOfMemory(stderr: string): boolean {
  return V8_OOM.test(stderr);
}

export function classifyExit(e: ExitEvidence): ExitClassification {
  const how = e.signal !== null ? `signal ${e.signal}` : `exit code ${e.code}`;
  if (e.goneReason === 'oom' || looksLikeOutOfMemory(e.stderrTail)) {
    return { reason: 'oom', byUser: false, description: `the trainer ran out of memory (${how}); lower the batch size or image size, or use a smaller backbone` };
  }
  if (e.killRequested && (e.signal !== null || e.goneReason === 'killed')) {
    return { reason: 'killed', byUser: true, description: `killed at the user's request (${how})` };
  }
  if (e.done !== undefined && e.code === 0 && e.signal === null && (e.goneReason === undefined || e.goneReason === 'clean-exit')) {
    return { reason: 'clean', byUser: false, description: `the trainer finished (${e.done})` };
  }
  if (e.errorReceived || (e.code === 1 && e.signal === null && e.goneReason !== 'crashed')) {
    return { reason: 'error', byUser: false, description: `the trainer stopped with an error (${how})` };
  }
  if (e.signal === 'SIGKILL' || e.signal === 'SIGTERM' || e.signal === 'SIGINT' || e.signal === 'SIGHUP' || e.goneReason === 'killed') {
    return { reason: 'killed', byUser: false, description: `the trainer process was killed from outside the app (${how}) without saying goodbye` };
  }
  return { reason: 'crashed', byUser: false, description: `the trainer process ended without saying goodbye (${e.goneReason !== undefined ? `${e.goneReason}, ` : ''}${how})` };
}
