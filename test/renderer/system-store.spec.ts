import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSystemHandlers } from '../../electron/services/system-service.js';
import { installApi } from '../../renderer/src/api/index.js';
import { useSystemStore } from '../../renderer/src/stores/system.js';
import { createInMemoryApi } from './support/in-memory-api.js';

describe('system store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('loads host facts from the real system handlers', async () => {
    const { client } = createInMemoryApi(createSystemHandlers({ appName: 'FRA Workbench', appVersion: '9.9.9', hostKind: 'server', workspace: '/tmp/ws' }));
    installApi(client);
    const store = useSystemStore();
    await store.load();
    expect(store.error).toBeNull();
    expect(store.info?.appVersion).toBe('9.9.9');
    expect(store.info?.workspace).toBe('/tmp/ws');
  });

  it('shows the host error when the call fails', async () => {
    const { client } = createInMemoryApi({});
    installApi(client);
    const store = useSystemStore();
    await store.load();
    expect(store.info).toBeNull();
    expect(store.error?.message).toMatch(/does not implement system\.getInfo/);
  });
});
