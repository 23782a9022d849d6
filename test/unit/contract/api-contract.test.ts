import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiError,
  ApiErrorCode,
  apiMethodNames,
  createApiClient,
  createApiDispatcher,
  createApiEventHub,
  isApiMethod,
  type ApiDispatcher,
  type ApiHandlers,
  type ApiResponse,
  type ApiTransport,
} from '../../../electron/contract/api.js';
import { createSystemHandlers } from '../../../electron/services/system-service.js';

function systemHandlers(): ApiHandlers {
  // Only system.* is implemented here: the dispatcher answers the rest with "not implemented".
  return createSystemHandlers({ appName: 'FRA Workbench', appVersion: '9.9.9', hostKind: 'server', workspace: '/tmp/ws' }) as ApiHandlers;
}

function assertFailure(response: ApiResponse, code: string): { code: string; message: string; hint?: string } {
  assert.equal(response.ok, false, `expected a failure, got ${JSON.stringify(response)}`);
  if (response.ok) throw new Error('unreachable');
  assert.equal(response.error.code, code);
  assert.ok(response.error.message.length > 0, 'an error must say what went wrong');
  return response.error;
}

/** What a real transport does: the envelope goes through JSON, like IPC's structured clone or HTTP. */
function inMemoryTransport(dispatcher: ApiDispatcher, hub = createApiEventHub()): ApiTransport {
  return {
    invoke: async (method, input) => JSON.parse(JSON.stringify(await dispatcher.dispatch(method, input))),
    subscribe: (listener) => hub.subscribe((message) => listener(JSON.parse(JSON.stringify(message)))),
  };
}

describe('api contract: dispatcher', () => {
  it('answers a valid call with the handler output', async () => {
    const dispatcher = createApiDispatcher(systemHandlers());
    const response = await dispatcher.dispatch('system.ping', { message: 'hello' });
    assert.equal(response.ok, true);
    if (!response.ok) return;
    const value = response.value as { message: string; time: string };
    assert.equal(value.message, 'hello');
    assert.ok(!Number.isNaN(Date.parse(value.time)));
  });

  it('rejects unknown methods, including prototype names, without calling anything', async () => {
    const dispatcher = createApiDispatcher(systemHandlers());
    for (const method of ['system.reboot', 'toString', '__proto__', 'constructor', 42, undefined]) {
      const error = assertFailure(await dispatcher.dispatch(method, undefined), ApiErrorCode.UnknownMethod);
      assert.ok(error.hint, 'unknown-method errors explain the likely cause');
    }
    assert.equal(isApiMethod('hasOwnProperty'), false);
    // Every method is namespaced by its service, and none shadows an Object.prototype member.
    assert.ok(apiMethodNames.includes('system.getInfo') && apiMethodNames.includes('runs.create'));
    for (const name of apiMethodNames) assert.match(name, /^(system|datasets|runs|checkpoints|heatmaps)\.[a-z][A-Za-z]*$/);
  });

  it('rejects invalid input with a message naming the method and the field', async () => {
    let called = false;
    const dispatcher = createApiDispatcher({
      ...systemHandlers(),
      'system.ping': ({ message }) => {
        called = true;
        return { message, time: new Date().toISOString() };
      },
    });
    const wrongType = assertFailure(await dispatcher.dispatch('system.ping', { message: 7 }), ApiErrorCode.InvalidInput);
    assert.match(wrongType.message, /system\.ping/);
    assert.match(wrongType.message, /message/);
    assertFailure(await dispatcher.dispatch('system.ping', undefined), ApiErrorCode.InvalidInput);
    assertFailure(await dispatcher.dispatch('system.getInfo', { unexpected: true }), ApiErrorCode.InvalidInput);
    assert.equal(called, false, 'the handler must never see invalid input');
  });

  it('refuses handler output that breaks the contract, and strips undeclared fields from valid output', async () => {
    const reported: string[] = [];
    const broken = createApiDispatcher(
      { ...systemHandlers(), 'system.ping': () => ({ message: 'x', time: 'not a date' }) },
      { onUnexpectedError: (method) => reported.push(method) },
    );
    const error = assertFailure(await broken.dispatch('system.ping', { message: 'x' }), ApiErrorCode.InvalidOutput);
    assert.ok(error.hint);
    assert.deepEqual(reported, ['system.ping']);

    const leaky = createApiDispatcher({
      ...systemHandlers(),
      'system.ping': ({ message }) => ({ message, time: new Date().toISOString(), secret: 'host-only' }) as never,
    });
    const response = await leaky.dispatch('system.ping', { message: 'x' });
    assert.equal(response.ok, true);
    if (response.ok) assert.equal(Object.hasOwn(response.value as object, 'secret'), false);
  });

  it('turns handler exceptions into structured errors, keeping ApiError codes and hints', async () => {
    const crashing = createApiDispatcher(
      {
        ...systemHandlers(),
        'system.ping': () => {
          throw new Error('disk on fire');
        },
      },
      { onUnexpectedError: () => {} },
    );
    const crash = assertFailure(await crashing.dispatch('system.ping', { message: 'x' }), ApiErrorCode.HandlerFailed);
    assert.match(crash.message, /disk on fire/);

    const deliberate = createApiDispatcher({
      ...systemHandlers(),
      'system.ping': async () => {
        throw new ApiError({ code: 'workspace-missing', message: 'The workspace folder is gone.', hint: 'Choose another folder.' });
      },
    });
    const error = assertFailure(await deliberate.dispatch('system.ping', { message: 'x' }), 'workspace-missing');
    assert.equal(error.hint, 'Choose another folder.');
  });
});

describe('api contract: client', () => {
  it('round-trips typed calls through a transport', async () => {
    const api = createApiClient(inMemoryTransport(createApiDispatcher(systemHandlers())));
    const info = await api.system.getInfo();
    assert.equal(info.appVersion, '9.9.9');
    assert.equal(info.hostKind, 'server');
    assert.equal(info.workspace, '/tmp/ws');
    assert.equal(info.nodeVersion, process.versions.node);
    assert.equal(info.electronVersion, undefined);
    const pong = await api.system.ping({ message: 'round trip' });
    assert.equal(pong.message, 'round trip');
  });

  it('throws the host error as an ApiError with code and hint', async () => {
    const api = createApiClient(inMemoryTransport(createApiDispatcher(systemHandlers())));
    await assert.rejects(
      api.system.ping({ message: 5 as unknown as string }),
      (error: unknown) => error instanceof ApiError && error.code === ApiErrorCode.InvalidInput,
    );
  });

  it('validates what the host sends back', async () => {
    const lyingHost: ApiTransport = {
      invoke: async () => ({ ok: true, value: { appName: 'x' } }),
      subscribe: () => () => {},
    };
    await assert.rejects(createApiClient(lyingHost).system.getInfo(), (error: unknown) => error instanceof ApiError && error.code === ApiErrorCode.InvalidOutput);

    const garbledHost: ApiTransport = { invoke: async () => '<html>proxy error</html>', subscribe: () => () => {} };
    await assert.rejects(createApiClient(garbledHost).system.getInfo(), (error: unknown) => error instanceof ApiError && error.code === ApiErrorCode.InvalidResponse);

    const unreachableHost: ApiTransport = {
      invoke: async () => {
        throw new TypeError('fetch failed');
      },
      subscribe: () => () => {},
    };
    await assert.rejects(
      createApiClient(unreachableHost).system.getInfo(),
      (error: unknown) => error instanceof ApiError && error.code === ApiErrorCode.TransportFailed && /fetch failed/.test(error.message),
    );
  });

  it('delivers typed events, dropping malformed ones, until unsubscribed', () => {
    const hub = createApiEventHub();
    const rawListeners = new Set<(message: unknown) => void>();
    const transport: ApiTransport = {
      invoke: async () => ({ ok: true, value: null }),
      subscribe: (listener) => {
        rawListeners.add(listener);
        const stop = hub.subscribe(listener);
        return () => {
          rawListeners.delete(listener);
          stop();
        };
      },
    };
    const api = createApiClient(transport);
    const received: string[] = [];
    const unsubscribe = api.events.on('system.log', (entry) => received.push(`${entry.level}:${entry.message}`));

    hub.emit('system.log', { level: 'info', message: 'first', time: new Date().toISOString() });
    const originalWarn = console.warn;
    console.warn = () => {};
    try {
      for (const listener of rawListeners) listener({ event: 'system.log', data: { level: 'loud', message: 'bad', time: 'x' } });
    } finally {
      console.warn = originalWarn;
    }
    unsubscribe();
    hub.emit('system.log', { level: 'warn', message: 'after unsubscribe', time: new Date().toISOString() });

    assert.deepEqual(received, ['info:first']);
    assert.equal(rawListeners.size, 0);
  });

  it('refuses to emit events that break the contract', () => {
    const hub = createApiEventHub();
    assert.throws(() => hub.emit('system.log', { level: 'info', message: 'x', time: 'yesterday' }));
  });
});
