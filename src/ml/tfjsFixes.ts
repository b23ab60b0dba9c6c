/**
 * Corrections to TF.js Layers 4.22 that Graft relies on, applied once when this module is first imported
 * (by every module that builds models). Each one is a defect that makes a model TF.js itself accepts
 * compute or store something wrong; each is tested in tfjsFixes.test.ts against what Keras computes.
 *
 * - SeparableConv2D leaves `depth_multiplier` out of its config, so a stored model with a multiplier
 *   above 1 could not be rebuilt.
 * - CenterCrop and CategoryEncoding compute their output shape by editing their input's shape in place,
 *   which corrupts the shape of the layer before them (a later Concatenate then refuses the model).
 * - Resizing reports [height, width, channels] of a batch of images as its output shape, dropping the
 *   batch and taking the width for the channels.
 * - Image resizing: UpSampling2D (bilinear) and Resizing sample pixel corners where Keras (TensorFlow's
 *   and JAX's resize alike) samples pixel centres, Resizing aligns corners unless asked to crop, and
 *   CenterCrop crops one pixel off-centre when the widths differ by one and fails when it must enlarge.
 *   Their `call`s are replaced by Keras 3's own rules.
 * - BatchNormalization over any axis but the last (channels_first models) normalised along the last axis,
 *   and a Softmax layer over any axis but the last refused to run: both are computed on a transposed
 *   tensor whose chosen axis is last.
 * - Disposing a model did not free a layer it calls more than once (a shared layer): TF.js counts a
 *   reference per call and drops one per model.
 * - A weight with a constraint (MaxNorm, NonNeg…) had the constraint applied whenever it was written,
 *   loading included, which changed stored weights on checkout and leaked a tensor per weight. Keras
 *   applies constraints after training steps only, never to weights it loads; so does Graft now.
 */
import * as tf from '@tensorflow/tfjs';

type Shape = (number | null)[];
interface Patchable {
  prototype: {
    computeOutputShape(shape: Shape | Shape[]): Shape | Shape[];
    getConfig(): tf.serialization.ConfigDict;
    call(inputs: tf.Tensor | tf.Tensor[], kwargs: object): tf.Tensor | tf.Tensor[];
  };
}

type Image = tf.Tensor3D | tf.Tensor4D;
const one = (inputs: tf.Tensor | tf.Tensor[]) => (Array.isArray(inputs) ? inputs[0] : inputs) as Image;

/** Keras's image resize (pixel centres, no corner alignment), on channels-last images. */
function resize(images: Image, size: [number, number], interpolation: string): Image {
  return interpolation === 'nearest'
    ? tf.image.resizeNearestNeighbor(images, size, false, true)
    : tf.image.resizeBilinear(images, size, false, true);
}

/** Keras's `crop_to_aspect_ratio`: the largest centred box of the target's aspect ratio, then resized. */
function cropToAspect(images: Image, size: [number, number], interpolation: string): Image {
  const [height, width] = images.shape.slice(-3, -1) as [number, number];
  const [th, tw] = size;
  const ch = Math.max(Math.min(height, Math.trunc((width * th) / tw)), 1);
  const cw = Math.max(Math.min(width, Math.trunc((height * tw) / th)), 1);
  const h0 = Math.trunc((height - ch) / 2);
  const w0 = Math.trunc((width - cw) / 2);
  const cropped =
    images.rank === 4
      ? tf.slice(images as tf.Tensor4D, [0, h0, w0, 0], [-1, ch, cw, -1])
      : tf.slice(images as tf.Tensor3D, [h0, w0, 0], [ch, cw, -1]);
  return resize(cropped as Image, size, interpolation);
}

function layerClass(name: string): Patchable | null {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
  return entry ? (entry[0] as unknown as Patchable) : null;
}

const copy = (shape: Shape | Shape[]): Shape | Shape[] =>
  Array.isArray(shape[0]) ? (shape as Shape[]).map((s) => [...s]) : [...(shape as Shape)];

let applied = false;

interface Writable {
  val: tf.Variable;
  assertNotDisposed(): void;
}

export function applyTfjsFixes(): void {
  if (applied) return;
  applied = true;

  const separable = layerClass('SeparableConv2D');
  if (separable) {
    const getConfig = separable.prototype.getConfig;
    separable.prototype.getConfig = function (this: { depthMultiplier?: number }) {
      const config = getConfig.call(this);
      config.depthMultiplier = this.depthMultiplier ?? 1;
      return config;
    };
  }

  for (const name of ['CenterCrop', 'CategoryEncoding']) {
    const cls = layerClass(name);
    if (!cls) continue;
    const compute = cls.prototype.computeOutputShape;
    cls.prototype.computeOutputShape = function (shape: Shape | Shape[]) {
      return compute.call(this, copy(shape));
    };
  }

  const variable = tf.LayerVariable.prototype as unknown as { write(this: Writable, v: tf.Tensor): unknown };
  variable.write = function (this: Writable, value: tf.Tensor) {
    this.assertNotDisposed();
    if (this.val.shape.join() !== value.shape.join())
      throw new Error(`Shape mismatch: [${this.val.shape.join(',')}] vs. [${value.shape.join(',')}]`);
    if (this.val.id !== value.id) this.val.assign(value);
    return this;
  };

  /** Runs `call` with `axis` moved to the end of the input (and back on the way out). */
  const alongLastAxis = (
    cls: Patchable | null,
    run: (
      call: Patchable['prototype']['call'],
      self: { axis: number | number[] },
      x: tf.Tensor,
      kwargs: object,
    ) => tf.Tensor,
  ) => {
    if (!cls) return;
    const call = cls.prototype.call;
    cls.prototype.call = function (this: { axis: number | number[] }, inputs, kwargs) {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const axis = Array.isArray(this.axis) ? this.axis : [this.axis];
      const last = axis.length === 1 && ((axis[0] as number) === -1 || axis[0] === x.rank - 1);
      if (last) return call.call(this, inputs, kwargs);
      return run(call, this, x, kwargs);
    };
  };
  const moveLast = (x: tf.Tensor, axis: number) => {
    const a = axis < 0 ? axis + x.rank : axis;
    const perm = [...Array(x.rank).keys()].filter((d) => d !== a).concat(a);
    const back = perm.map((_, i) => perm.indexOf(i));
    return { perm, back };
  };
  alongLastAxis(layerClass('BatchNormalization'), (call, self, x, kwargs) => {
    const axis = self.axis as number;
    const { perm, back } = moveLast(x, axis);
    self.axis = -1;
    try {
      return tf.tidy(() => tf.transpose(call.call(self, tf.transpose(x, perm), kwargs) as tf.Tensor, back));
    } finally {
      self.axis = axis;
    }
  });
  alongLastAxis(layerClass('Softmax'), (_call, self, x) =>
    tf.tidy(() => {
      const axes = Array.isArray(self.axis) ? self.axis : [self.axis];
      const m = tf.max(x, axes, true);
      const e = tf.exp(tf.sub(x, m));
      return tf.div(e, tf.sum(e, axes, true));
    }),
  );

  const upsampling = layerClass('UpSampling2D');
  if (upsampling) {
    upsampling.prototype.call = function (
      this: { size: [number, number]; dataFormat: string; interpolation: string },
      inputs,
    ) {
      return tf.tidy(() => {
        let x = one(inputs) as tf.Tensor4D;
        if (this.dataFormat === 'channelsFirst') x = tf.transpose(x, [0, 2, 3, 1]);
        const [h, w] = [x.shape[1] * this.size[0], x.shape[2] * this.size[1]];
        const y = resize(x, [h, w], this.interpolation) as tf.Tensor4D;
        return this.dataFormat === 'channelsFirst' ? tf.transpose(y, [0, 3, 1, 2]) : y;
      });
    };
  }

  interface Counted {
    name: string;
    _refCount: number | null;
    inboundNodes: unknown[];
    dispose(): { numDisposedVariables: number };
  }
  interface Disposing {
    layers: Counted[];
    containerNodes: Set<string>;
  }
  const container = Object.getPrototypeOf(tf.LayersModel.prototype) as {
    dispose(this: Disposing): { refCountAfterDispose: number; numDisposedVariables: number };
  };
  const dispose = container.dispose;
  container.dispose = function (this: Disposing) {
    const result = dispose.call(this);
    if (result.refCountAfterDispose !== 0) return result;
    for (const layer of this.layers) {
      const calls = layer.inboundNodes.filter((_, i) =>
        this.containerNodes.has(`${layer.name}_ib-${i}`),
      ).length;
      for (let extra = calls - 1; extra > 0 && (layer._refCount ?? 0) > 0; extra--)
        result.numDisposedVariables += layer.dispose().numDisposedVariables;
    }
    return result;
  };

  const resizing = layerClass('Resizing');
  if (resizing) {
    resizing.prototype.call = function (
      this: { height: number; width: number; interpolation: string; cropToAspectRatio: boolean },
      inputs,
    ) {
      return tf.tidy(() => {
        const size: [number, number] = [this.height, this.width];
        const x = one(inputs);
        return this.cropToAspectRatio
          ? cropToAspect(x, size, this.interpolation)
          : resize(x, size, this.interpolation);
      });
    };
    resizing.prototype.computeOutputShape = function (this: { height: number; width: number }, shape) {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as Shape;
      const channels = s[s.length - 1] ?? null;
      return s.length === 4
        ? [s[0] ?? null, this.height, this.width, channels]
        : [this.height, this.width, channels];
    };
  }

  const centerCrop = layerClass('CenterCrop');
  if (centerCrop) {
    centerCrop.prototype.call = function (this: { height: number; width: number }, inputs) {
      return tf.tidy(() => {
        const x = one(inputs);
        const [height, width] = x.shape.slice(-3, -1) as [number, number];
        const dh = height - this.height;
        const dw = width - this.width;
        if (dh < 0 || dw < 0) return cropToAspect(x, [this.height, this.width], 'bilinear');
        const [h0, w0] = [Math.trunc(dh / 2), Math.trunc(dw / 2)];
        return x.rank === 4
          ? tf.slice(x as tf.Tensor4D, [0, h0, w0, 0], [-1, this.height, this.width, -1])
          : tf.slice(x as tf.Tensor3D, [h0, w0, 0], [this.height, this.width, -1]);
      });
    };
  }
}

applyTfjsFixes();
