/**
 * A client class whose every instance gets `extra` options (a fake clock, a sleep that returns at once): how
 * tests reach the clients the providers make, through the options users have, from a `vi.mock` factory.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's constructor takes any[] by rule
type ClientClass = new (...args: any[]) => object;

export function clientWith<C extends ClientClass>(Base: C, extra: object): C {
  return class extends Base {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- passed through unchanged
    constructor(...args: any[]) {
      super({ ...args[0], ...extra });
    }
  };
}
