// The promise-hook context manager (D282): a context set by `with` is the active one after every kind of
// await inside it, concurrent work keeps its own, and nothing leaks out of `with` or after `disable`.
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PromiseContextManager } from '../../src/tracing-context.ts';

const KEY = createContextKey('test');
const named = (name: string) => ROOT_CONTEXT.setValue(KEY, name);
let m: PromiseContextManager;
const name = () => m.active().getValue(KEY);

beforeEach(() => {
  m = new PromiseContextManager().enable();
});
afterEach(() => {
  m.disable();
});

describe('PromiseContextManager', () => {
  it('keeps the context across awaits of promises, timers, immediates and nested async functions', async () => {
    const seen: unknown[] = [];
    const inner = async () => {
      await sleep(1);
      seen.push(name());
    };
    await m.with(named('a'), async () => {
      seen.push(name());
      await Promise.resolve();
      seen.push(name());
      await sleep(2);
      seen.push(name());
      await immediate();
      seen.push(name());
      await inner();
      seen.push(name());
    });
    expect(seen).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    expect(m.active()).toBe(ROOT_CONTEXT);
  });

  it('concurrent work keeps its own context, and a nested `with` its own until it returns', async () => {
    const run = (id: string, delays: number[]) =>
      m.with(named(id), async () => {
        const seen: unknown[] = [];
        for (const d of delays) {
          await sleep(d);
          seen.push(name());
          await m.with(named(`${id}.inner`), async () => {
            await immediate();
            seen.push(name());
          });
          seen.push(name());
        }
        return seen;
      });
    const [a, b] = await Promise.all([run('a', [3, 1, 2]), run('b', [1, 3, 1])]);
    expect(a).toEqual(['a', 'a.inner', 'a', 'a', 'a.inner', 'a', 'a', 'a.inner', 'a']);
    expect(b).toEqual(['b', 'b.inner', 'b', 'b', 'b.inner', 'b', 'b', 'b.inner', 'b']);
  });

  it('a then callback runs in the context it was registered in; the caller is back in its own', async () => {
    let resolve: (v: string) => void = () => {};
    const p = new Promise<string>((r) => {
      resolve = r;
    });
    const chained = m.with(named('registered'), () => p.then(() => name()));
    m.with(named('resolver'), () => resolve('x'));
    expect(await chained).toBe('registered');
    expect(m.active()).toBe(ROOT_CONTEXT);
  });

  it('work started outside any `with` (a timer callback, a new promise chain) is in the root context', async () => {
    await m.with(named('a'), async () => {
      await sleep(1);
    });
    const seen = await new Promise((r) => setTimeout(() => r(name()), 1));
    expect(seen).toBeUndefined();
    await Promise.resolve();
    expect(m.active()).toBe(ROOT_CONTEXT);
  });

  it('bind runs a function in the given context', async () => {
    const f = m.bind(named('bound'), () => name());
    expect(await new Promise((r) => setTimeout(() => r(f()), 1))).toBe('bound');
    expect(m.bind(named('bound'), 42)).toBe(42);
  });

  it('disable stops carrying: later awaits are in the root context', async () => {
    m.disable();
    const seen = await m.with(named('a'), async () => {
      await sleep(1);
      return name();
    });
    expect(seen).toBeUndefined();
  });
});
