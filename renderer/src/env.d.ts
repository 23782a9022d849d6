/// <reference types="vite/client" />
import type { FraHostBridge } from '@contract/host-bridge';

declare global {
  interface Window {
    /** Present only inside the Electron window, exposed by electron/preload/preload.ts. */
    readonly fraHost?: FraHostBridge;
  }
}

export {};
