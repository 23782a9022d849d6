/**
 * A minimal PyTorch-style module tree over tfjs variables.
 *
 * Why not tf.layers: FRA needs exact control of train/eval per network (the
 * target runs in train mode under no-grad), BN over arbitrary row sets, and
 * parameter names that are *exactly* PyTorch `state_dict` keys — LARS groups
 * parameters by name (fra-spec §4) and checkpoints must interoperate with the
 * reference code (§6). Names here are those keys; tfjs variable names are left
 * auto-generated (they must be globally unique, and online/target share keys).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a tensor is laid out in PyTorch relative to ours (NHWC, [in, out]):
 * 'conv2d' (O,I,kh,kw) ↔ (kh,kw,I,O); 'linear' (O,I) ↔ (I,O); 'conv1d' (O,I,1) ↔ (I,O); 'same'.
 */
export type TorchLayout = 'same' | 'conv2d' | 'linear' | 'conv1d';

export interface NamedTensor {
  name: string;
  variable: tf.Variable;
  torchLayout: TorchLayout;
}

interface Entry {
  variable: tf.Variable;
  torchLayout: TorchLayout;
}

export class Module {
  private readonly parameterEntries = new Map<string, Entry>();
  private readonly bufferEntries = new Map<string, Entry>();
  private readonly childModules = new Map<string, Module>();
  private trainingMode = true;

  get training(): boolean {
    return this.trainingMode;
  }

  /** Sets train (true) or eval (false) mode on this module and every descendant. */
  setTraining(mode: boolean): this {
    this.trainingMode = mode;
    for (const child of this.childModules.values()) child.setTraining(mode);
    return this;
  }

  protected registerParameter(name: string, initial: tf.Tensor, torchLayout: TorchLayout = 'same'): tf.Variable {
    return this.register(this.parameterEntries, name, initial, true, torchLayout);
  }

  protected registerBuffer(name: string, initial: tf.Tensor, torchLayout: TorchLayout = 'same'): tf.Variable {
    return this.register(this.bufferEntries, name, initial, false, torchLayout);
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.assertFreeName(name);
    this.childModules.set(name, module);
    return module;
  }

  /** Trainable tensors, PyTorch `named_parameters()` order. */
  namedParameters(prefix = ''): NamedTensor[] {
    return this.collect(prefix, (m) => m.parameterEntries);
  }

  /** Non-trainable state (BN running stats, EMA buffers), PyTorch `named_buffers()` order. */
  namedBuffers(prefix = ''): NamedTensor[] {
    return this.collect(prefix, (m) => m.bufferEntries);
  }

  /** Parameters then buffers per module, recursively: PyTorch `state_dict()` order. */
  stateEntries(prefix = ''): NamedTensor[] {
    const out: NamedTensor[] = [];
    this.visit(prefix, (module, path) => {
      for (const map of [module.parameterEntries, module.bufferEntries]) {
        for (const [name, e] of map) out.push({ name: path + name, variable: e.variable, torchLayout: e.torchLayout });
      }
    });
    return out;
  }

  countParameters(): number {
    return this.namedParameters().reduce((n, p) => n + p.variable.size, 0);
  }

  /**
   * Copies values into this module's state by name (our layout). Returns what
   * did not match; with `strict` any mismatch throws before anything is written.
   */
  loadState(values: ReadonlyMap<string, tf.Tensor>, options: { strict?: boolean; prefix?: string } = {}): LoadReport {
    const prefix = options.prefix ?? '';
    const entries = this.stateEntries(prefix);
    const known = new Set(entries.map((e) => e.name));
    const missing = entries.filter((e) => !values.has(e.name)).map((e) => e.name);
    const unexpected = [...values.keys()].filter((k) => !known.has(k));
    const shapeMismatches: string[] = [];
    for (const e of entries) {
      const v = values.get(e.name);
      if (v && !sameShape(v.shape, e.variable.shape)) {
        shapeMismatches.push(`${e.name}: expected [${e.variable.shape.join(', ')}], got [${v.shape.join(', ')}]`);
      }
    }
    if (shapeMismatches.length > 0 || (options.strict && (missing.length > 0 || unexpected.length > 0))) {
      throw new Error(
        ['state does not fit the model:', ...shapeMismatches, ...missing.map((m) => `missing: ${m}`), ...unexpected.map((u) => `unexpected: ${u}`)].join(
          '\n  ',
        ),
      );
    }
    for (const e of entries) {
      const v = values.get(e.name);
      if (v) e.variable.assign(v.dtype === e.variable.dtype ? v : tf.cast(v, e.variable.dtype));
    }
    return { missing, unexpected };
  }

  dispose(): void {
    for (const e of this.stateEntries()) e.variable.dispose();
  }

  private register(map: Map<string, Entry>, name: string, initial: tf.Tensor, trainable: boolean, torchLayout: TorchLayout): tf.Variable {
    this.assertFreeName(name);
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    map.set(name, { variable, torchLayout });
    return variable;
  }

  private assertFreeName(name: string): void {
    if (name.includes('.') || name === '') throw new Error(`invalid module member name "${name}"`);
    if (this.parameterEntries.has(name) || this.bufferEntries.has(name) || this.childModules.has(name)) {
      throw new Error(`"${name}" is already registered on ${this.constructor.name}`);
    }
  }

  private collect(prefix: string, pick: (m: Module) => Map<string, Entry>): NamedTensor[] {
    const out: NamedTensor[] = [];
    this.visit(prefix, (module, path) => {
      for (const [name, e] of pick(module)) out.push({ name: path + name, variable: e.variable, torchLayout: e.torchLayout });
    });
    return out;
  }

  private visit(prefix: string, fn: (module: Module, path: string) => void): void {
    const path = prefix === '' ? '' : prefix.endsWith('.') ? prefix : `${prefix}.`;
    fn(this, path);
    for (const [name, child] of this.childModules) child.visit(path + name, fn);
  }
}

export interface LoadReport {
  missing: string[];
  unexpected: string[];
}

/** An indexable list of modules named "0", "1", … like torch.nn.Sequential / ModuleList. */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];
  constructor(items: readonly M[]) {
    super();
    this.items = items.map((m, i) => this.registerModule(String(i), m));
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
