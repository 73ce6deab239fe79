// The active OpenTelemetry context, carried through promises by V8's promise hooks (D282). On Node 20 the
// SDK's AsyncLocalStorage context manager runs Node's async_hooks machinery for every promise of the
// process (an async id, a trigger id, the execution resource looked up, the store copied), and the bench's
// profile put most of tracing's cost there. This manager keeps only what Otto needs: a promise remembers
// the context active when it was created, and its reactions (an `await`'s continuation, a `then`
// callback) run in it. Callbacks that are not promise reactions (timers, sockets, event emitters) run in
// the root context unless bound; Otto starts every span of its own in code reached through promises.
import { promiseHooks } from 'node:v8';
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

const CONTEXT = Symbol('otto.context');
type Tagged = Promise<unknown> & { [CONTEXT]?: Context };

let current: Context = ROOT_CONTEXT;
/** the contexts replaced by `before`, restored by `after` (reaction jobs nest only through `with`) */
const saved: Context[] = [];

export class PromiseContextManager implements ContextManager {
  private stop: (() => void) | null = null;

  active(): Context {
    return current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = current;
    current = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      current = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    if (this.stop) return this;
    this.stop = promiseHooks.createHook({
      init(promise) {
        // the root context is the default: most promises of the process are made outside any span
        if (current !== ROOT_CONTEXT) (promise as Tagged)[CONTEXT] = current;
      },
      before(promise) {
        saved.push(current);
        current = (promise as Tagged)[CONTEXT] ?? ROOT_CONTEXT;
      },
      after() {
        current = saved.pop() ?? ROOT_CONTEXT;
      },
    }) as () => void;
    return this;
  }

  disable(): this {
    this.stop?.();
    this.stop = null;
    current = ROOT_CONTEXT;
    saved.length = 0;
    return this;
  }
}
