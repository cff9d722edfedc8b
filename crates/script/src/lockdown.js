// Locks down a context that a pool thread reuses from call to call (src/context.rs): run
// once, after the host objects are installed and before any script. The ideas are those of
// Hardened JavaScript's `lockdown` (endojs/endo, packages/ses), reduced to what one engine
// and one kind of caller need:
//
// - every intrinsic reachable from `globalThis`, and those reachable only through syntax
//   (iterator, generator and async function prototypes, %ThrowTypeError%), is frozen, so a
//   call cannot leave a changed built-in to the next;
// - the properties most often "overridden" by assignment (`obj.toString = f`,
//   `this.name = 'MyError'`) become accessors that define an own property on the receiver:
//   a frozen prototype's data property would otherwise make those assignments fail (the
//   "override mistake");
// - the global `eval` becomes one whose code cannot declare global `let`/`const`/`class`
//   bindings, which live outside `globalThis` and could not be cleaned;
// - what `globalThis` held here is fixed, and it takes no new property: scripts are strict
//   code (an undeclared assignment throws anyway), and a call that reaches the global
//   object some other way cannot leave anything on it for the next, so nothing needs to be
//   found and deleted after each call.
//
// The value of this source is a function of the function that makes the replacement `eval`
// (`MAKE_EVAL` in src/context.rs: sloppy code of its own, so that `eval` code sees no binding
// of this file); it returns `[cleanup, harden]`.
(function lockdown(makeEval) {
  'use strict';
  const g = globalThis;
  const {
    freeze, isFrozen, getOwnPropertyDescriptor: describe, defineProperty, getPrototypeOf,
    isExtensible, is, preventExtensions,
  } = Object;
  const { ownKeys, apply } = Reflect;
  const hasOwn = Object.hasOwn;
  const isObject = (v) => (typeof v === 'object' && v !== null) || typeof v === 'function';

  defineProperty(g, 'eval', { value: makeEval(g.eval), writable: true, configurable: true });

  // The intrinsics no global property reaches.
  const hidden = [];
  const protoOf = (v) => { try { return getPrototypeOf(v); } catch (e) { return undefined; } };
  hidden.push(protoOf(function* () {}), protoOf(async function* () {}),
    protoOf(async function () {}), protoOf(async () => {}));
  hidden.push(protoOf([][Symbol.iterator]()), protoOf(''[Symbol.iterator]()),
    protoOf(new Map()[Symbol.iterator]()), protoOf(new Set()[Symbol.iterator]()),
    protoOf(/a/g[Symbol.matchAll]('a')), protoOf(protoOf([][Symbol.iterator]())));
  if (typeof g.Iterator === 'function') {
    if (typeof g.Iterator.from === 'function') {
      hidden.push(protoOf(g.Iterator.from({ next() { return { done: true }; } })));
    }
    if (typeof g.Iterator.prototype.map === 'function') {
      hidden.push(protoOf([].values().map((x) => x)));
    }
  }
  const throwTypeError = (function () { 'use strict'; return describe(arguments, 'callee'); })();
  if (throwTypeError) hidden.push(throwTypeError.get);
  const caller = describe(Function.prototype, 'caller');
  if (caller) hidden.push(caller.get, caller.set);

  // Everything reachable from the roots through own properties (accessors' functions
  // included) and prototypes; with `unfrozen`, what is reachable without passing through a
  // frozen object (all of whose reach lockdown has frozen).
  const reach = (roots, unfrozen) => {
    const seen = new Set();
    const stack = roots.filter(isObject);
    while (stack.length > 0) {
      const obj = stack.pop();
      if (seen.has(obj) || (unfrozen && isFrozen(obj))) continue;
      seen.add(obj);
      const proto = getPrototypeOf(obj);
      if (proto !== null) stack.push(proto);
      const keys = ownKeys(obj);
      const fn = typeof obj === 'function';
      for (let i = 0; i < keys.length; i++) {
        // A built-in function's `length` and `name` are numbers and strings: not worth a
        // descriptor each (most of what the walk reaches is functions).
        if (fn && (keys[i] === 'length' || keys[i] === 'name')) continue;
        const desc = describe(obj, keys[i]);
        if (desc === undefined) continue;
        if ('value' in desc) {
          if (isObject(desc.value)) stack.push(desc.value);
        } else {
          if (desc.get !== undefined) stack.push(desc.get);
          if (desc.set !== undefined) stack.push(desc.set);
        }
      }
    }
    return seen;
  };

  // The override mistake, tamed: an accessor whose getter gives the original value and whose
  // setter defines an own data property on the receiver (refusing only on the frozen holder).
  const made = [];
  const tame = (obj, key) => {
    if (!hasOwn(obj, key)) return;
    const desc = describe(obj, key);
    if (desc === undefined || !('value' in desc) || !desc.configurable) return;
    const value = desc.value;
    const accessor = {
      get() { return value; },
      set(newValue) {
        if (this === obj) {
          throw new TypeError(`Cannot assign to read only property '${String(key)}' of a built-in`);
        }
        if (!isObject(this)) return;
        if (hasOwn(this, key)) this[key] = newValue;
        else defineProperty(this, key, { value: newValue, writable: true, enumerable: true, configurable: true });
      },
    };
    made.push(value, accessor.get, accessor.set);
    defineProperty(obj, key, {
      get: accessor.get, set: accessor.set, enumerable: desc.enumerable, configurable: false,
    });
  };
  const errorPrototype = g.Error.prototype;
  const reached = reach([g, ...hidden]);
  for (const obj of reached) {
    if (obj === g) continue;
    if (typeof obj !== 'function') {
      tame(obj, 'constructor');
      tame(obj, 'toString');
      if (obj === errorPrototype || apply(Object.prototype.isPrototypeOf, errorPrototype, [obj])) {
        tame(obj, 'name');
        tame(obj, 'message');
      }
    }
  }
  for (const key of ['valueOf', 'toLocaleString', 'hasOwnProperty', 'isPrototypeOf',
    'propertyIsEnumerable']) {
    tame(Object.prototype, key);
  }
  for (const key of ['constructor', 'toString', 'name', 'apply', 'call', 'bind']) {
    tame(Function.prototype, key);
  }

  // `Error.prepareStackTrace` and `Error.stackTraceLimit` are accessors onto the context's
  // own state, which freezing does not fix: `cleanup` puts them back.
  // Read and written through the frozen `Error`, whose accessors cannot be replaced: a
  // property access costs less than calling the accessor's functions.
  const ErrorClass = g.Error;
  const errorState = ['prepareStackTrace', 'stackTraceLimit']
    .filter((key) => { const desc = describe(ErrorClass, key); return desc !== undefined && desc.get && desc.set; })
    .map((key) => ({ key, value: ErrorClass[key] }));

  // What taming made (and the values only its getters reach now) is frozen with the rest.
  for (const obj of reached) {
    if (obj !== g) freeze(obj);
  }
  for (const obj of reach(made, true)) freeze(obj);
  const baseline = new Set(ownKeys(g));
  for (const key of baseline) {
    const desc = describe(g, key);
    defineProperty(g, key, 'value' in desc
      ? { writable: false, configurable: false }
      : { configurable: false });
  }
  preventExtensions(g);

  // After each call: puts back what freezing cannot hold. False when the global object is
  // not as lockdown left it (the caller then discards the context).
  const cleanup = () => {
    for (let i = 0; i < errorState.length; i++) {
      const state = errorState[i];
      if (!is(ErrorClass[state.key], state.value)) ErrorClass[state.key] = state.value;
    }
    return !isExtensible(g);
  };
  // Freezes what a cached script function can reach that is not frozen yet: the function
  // object itself and its `prototype` (a sloppy script reaches them as `arguments.callee`).
  const harden = (fn) => {
    for (const obj of reach([fn], true)) freeze(obj);
    return fn;
  };
  return freeze([cleanup, harden]);
})
