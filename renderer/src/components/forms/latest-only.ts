// Calls the host as the user types without flooding it and without timers: at most one request
// in flight and one waiting; a request overtaken by a newer input is not reported. The answer
// shown therefore always belongs to the latest input.

export interface LatestOnly<I> {
  /** Asks for `input`; resolves once an answer for this or a newer input has been delivered. */
  request(input: I): Promise<void>;
  /** True while a request is in flight or waiting. */
  readonly busy: boolean;
}

export function latestOnly<I, O>(call: (input: I) => Promise<O>, deliver: (output: O, input: I) => void, fail: (error: unknown, input: I) => void): LatestOnly<I> {
  let next: { input: I; ticket: number } | null = null;
  let running = false;
  let issued = 0;
  let settled = 0;
  const waiters: { ticket: number; resolve: () => void }[] = [];

  function settle(ticket: number): void {
    settled = Math.max(settled, ticket);
    for (let i = waiters.length - 1; i >= 0; i -= 1) {
      const waiter = waiters[i]!;
      if (waiter.ticket <= settled) {
        waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  async function drain(): Promise<void> {
    running = true;
    while (next !== null) {
      const { input, ticket } = next;
      next = null;
      try {
        const output = await call(input);
        if (next === null) deliver(output, input);
      } catch (error) {
        if (next === null) fail(error, input);
      }
      if (next === null) settle(ticket);
    }
    running = false;
  }

  return {
    request(input: I): Promise<void> {
      issued += 1;
      const ticket = issued;
      next = { input, ticket };
      const done = new Promise<void>((resolve) => waiters.push({ ticket, resolve }));
      if (!running) void drain();
      return done;
    },
    get busy() {
      return running;
    },
  };
}
