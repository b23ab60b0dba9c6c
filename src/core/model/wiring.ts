/**
 * A functional model's wiring, replayed on its JSON before TF.js sees it. TF.js rebuilds a functional
 * model by calling layers until every call's inputs exist, with no limit: a call whose input layer is
 * missing, a node index that is never created, or a cycle makes it loop forever and freezes the page; an
 * output index a layer does not have crashes inside it. Here the same replay stops when a pass makes no
 * progress, and names the layer at fault. Works on TF.js's dialect (calls as `[layer, node, tensor]`).
 */
import { quote } from '../bundle/untrusted';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';

/** Model classes whose calls TF.js does not number from 0 (a nested model has a node of its own). */
const CONTAINERS = new Set(['Sequential', 'Model', 'Functional']);
const RECURRENT_STATES: Readonly<Record<string, number>> = { LSTM: 2, ConvLSTM2D: 2, GRU: 1, SimpleRNN: 1 };

/** How many outputs one call of a layer has: most have one; an RNN returning its state has more. */
function outputsOf(layer: JsonObject): number {
  const className = String(layer.class_name);
  const config = isJsonObject(layer.config) ? layer.config : {};
  if (CONTAINERS.has(className)) return Array.isArray(config.output_layers) ? config.output_layers.length : 1;
  if (config.return_state === true) return 1 + (RECURRENT_STATES[className] ?? Infinity);
  return 1;
}

/** Throws `fail(problem)` — the problem in words, without the model's kind of file — at the first fault. */
export function checkWiring(model: JsonObject, fail: (problem: string) => never): void {
  const config = isJsonObject(model.config) ? model.config : {};
  const layers = Array.isArray(config.layers) ? config.layers : [];
  /** How many calls of each layer exist so far; Infinity where TF.js's own numbering is not replayed. */
  const calls = new Map<string, number>();
  const outputs = new Map<string, number>();
  type Call = { layer: string; inputs: { from: string; node: number; tensor: number }[] };
  let pending: Call[] = [];
  for (const layer of layers) {
    if (!isJsonObject(layer)) return fail('a layer is not an object');
    const name = layer.name;
    const inner = isJsonObject(layer.config) ? layer.config.name : undefined;
    if (typeof name !== 'string' || name === '') return fail('a layer has no name');
    if (inner !== undefined && inner !== name)
      return fail(`layer ${quote(name)} is called ${quote(String(inner))} in its own settings`);
    if (calls.has(name)) return fail(`two layers are named ${quote(name)}`);
    const className = String(layer.class_name);
    calls.set(name, className === 'InputLayer' ? 1 : CONTAINERS.has(className) ? Infinity : 0);
    outputs.set(name, outputsOf(layer));
    const nodes = layer.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) return fail(`the inputs of layer ${quote(name)} are not a list`);
    for (const node of nodes) {
      if (!Array.isArray(node)) return fail(`an input of layer ${quote(name)} is not a list`);
      const inputs = node.map((input: JsonValue) => {
        if (!Array.isArray(input) || typeof input[0] !== 'string')
          return fail(`an input of layer ${quote(name)} does not name a layer`);
        const [index, tensor] = [input[1], input[2] ?? 0];
        if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0)
          return fail(`an input of layer ${quote(name)} has no valid call number`);
        if (typeof tensor !== 'number' || !Number.isSafeInteger(tensor) || tensor < 0)
          return fail(`an input of layer ${quote(name)} has no valid output number`);
        return { from: input[0], node: index, tensor };
      });
      if (inputs.length > 0) pending.push({ layer: name, inputs });
    }
  }
  for (const call of pending)
    for (const input of call.inputs) {
      if (!calls.has(input.from))
        return fail(
          `layer ${quote(call.layer)} takes its input from ${quote(input.from)}, which the model does not have`,
        );
      if (input.tensor >= (outputs.get(input.from) as number))
        return fail(
          `layer ${quote(call.layer)} takes output ${input.tensor + 1} of ${quote(input.from)}, which has ${outputs.get(input.from)}`,
        );
    }
  while (pending.length > 0) {
    const waiting = pending.filter(
      (call) => !call.inputs.every((i) => (calls.get(i.from) as number) > i.node),
    );
    if (waiting.length === pending.length) {
      const stuck = waiting[0] as Call;
      return fail(
        `layer ${quote(stuck.layer)} waits for an input that is never computed (a loop, or a call that does not exist)`,
      );
    }
    for (const call of pending)
      if (!waiting.includes(call)) calls.set(call.layer, (calls.get(call.layer) as number) + 1);
    pending = waiting;
  }
  for (const key of ['input_layers', 'output_layers']) {
    const what = key.replace('_', ' ');
    const ends = config[key];
    if (!Array.isArray(ends)) return fail(`its ${what} are not listed`);
    if (ends.length === 0) return fail(`it lists no ${what}`);
    for (const end of ends) {
      if (!Array.isArray(end) || typeof end[0] !== 'string' || typeof end[1] !== 'number')
        return fail(`one of its ${what} is not a [layer, call, output] triple`);
      if (!((calls.get(end[0]) ?? 0) > end[1]))
        return fail(`its ${what} name ${quote(end[0])}, which is not a computed layer`);
      const tensor = end[2] ?? 0;
      if (typeof tensor !== 'number' || tensor < 0 || tensor >= (outputs.get(end[0]) ?? 1))
        return fail(`its ${what} name an output of ${quote(end[0])} that it does not have`);
    }
  }
}
