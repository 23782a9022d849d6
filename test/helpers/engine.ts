/** Test helper: switch the process to one of the always-available backends. */
import { activateCpuBackend, activateWasmBackend } from '../../trainer/engine/local-backends.js';

export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'cpu') await activateCpuBackend();
  else await activateWasmBackend();
}
