/**
 * The real trainer entry under child_process.fork, spoken to directly through the launcher:
 * it says hello, answers ping, survives invalid messages (logging why), stops cleanly before a
 * start, and reports an invalid configuration as an error naming each bad field, then exits 1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostMessage, parseTrainerMessage, type TrainerMessage } from '../../trainer/contract/trainer-protocol.js';
import { ForkLauncher, type ProcessExit, type TrainerProcess } from '../../electron/services/trainer-host/trainer-process.js';

function collect(proc: TrainerProcess): { messages: TrainerMessage[]; next(type: TrainerMessage['type']): Promise<TrainerMessage>; exited: Promise<ProcessExit> } {
  const messages: TrainerMessage[] = [];
  const waiters: { type: string; resolve: (m: TrainerMessage) => void }[] = [];
  proc.onMessage((value) => {
    const parsed = parseTrainerMessage(value);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    messages.push(parsed.message);
    for (const w of waiters.splice(0)) {
      if (w.type === parsed.message.type) w.resolve(parsed.message);
      else waiters.push(w);
    }
  });
  return {
    messages,
    next(type) {
      const seen = messages.find((m) => m.type === type);
      if (seen !== undefined) {
        messages.splice(messages.indexOf(seen), 1);
        return Promise.resolve(seen);
      }
      return new Promise((resolve) => waiters.push({ type, resolve: (m) => (messages.splice(messages.indexOf(m), 1), resolve(m)) }));
    },
    exited: new Promise((resolve) => proc.onExit(resolve)),
  };
}

describe('trainer process entry', () => {
  it('hello, ping/pong, invalid messages logged not fatal, stop before start exits 0', async () => {
    const proc = await new ForkLauncher().launch({ serviceName: 'test-trainer' });
    const io = collect(proc);
    const hello = await io.next('hello');
    assert.equal(hello.type === 'hello' && hello.pid, proc.pid);

    proc.send({ v: 1, type: 'explode' } as never);
    proc.send({ v: 7, type: 'stop' } as never);
    const warning = await io.next('log');
    assert.ok(warning.type === 'log' && warning.level === 'warning' && /invalid message/.test(warning.message), JSON.stringify(warning));

    proc.send(hostMessage({ type: 'ping', id: 17 }));
    const pong = await io.next('pong');
    assert.equal(pong.type === 'pong' && pong.id, 17);

    proc.send(hostMessage({ type: 'stop' }));
    const done = await io.next('done');
    assert.equal(done.type === 'done' && done.reason, 'stopped');
    const exit = await io.exited;
    assert.deepEqual([exit.code, exit.signal], [0, null]);
  });

  it('an invalid configuration: error naming each bad field, exit code 1', async () => {
    const proc = await new ForkLauncher().launch({ serviceName: 'test-trainer' });
    const io = collect(proc);
    await io.next('hello');
    proc.send(hostMessage({ type: 'start', runDir: '/nonexistent/run', config: { dataset: 'random', lr: -1, numProto: 0 } }));
    const error = await io.next('error');
    assert.ok(error.type === 'error');
    assert.equal(error.code, 'invalid-config');
    assert.deepEqual(error.problems?.map((p) => p.field).sort(), ['lr', 'numProto']);
    const exit = await io.exited;
    assert.equal(exit.code, 1);
  });
});
