#!/usr/bin/env python3
"""Checks Graft's Keras exports with real Keras and the safetensors package.

Usage:
    KERAS_BACKEND=jax python tests/keras/check_export.py <dir>

For every <dir>/<id>.expect.json it checks whichever of <dir>/<id>.keras, <dir>/<id>.h5 and
<dir>/<id>.safetensors exist:

  .keras / .h5   keras.saving.load_model(path, compile=False); predict on expect.inputs (a list, in
                 the order given, for several inputs); every output must equal expect.outputs within
                 1e-5 absolute, or 1e-5 relative where the expected value is large; every entry of
                 expect.layers must exist (searched through nested models too) with the same trainable
                 flag.
  .safetensors   read with safetensors.safe_open(framework="np"): every entry of expect.tensors must
                 exist with the same dtype and shape, and the sha256 of its bytes (little-endian, C
                 order) must equal expect.tensors[].sha256; no other tensor may exist; the file's
                 __metadata__ must contain every entry of expect.metadata with the same value.

expect.json: {"id", "inputs": [{"name", "shape", "dtype": "float32"|"int32", "data"}],
              "outputs": [{"shape", "data"}], "layers": [{"name", "trainable"}],
              "tensors": [{"name", "dtype": "float32"|"int32"|"bool", "shape", "sha256"}],
              "metadata": {"key": "value"}}

Prints one JSON object to stdout:
    {"results": [{"id", "ok", "problems": [...], "maxDiff", "checked": [...]}], "keras", "backend"}
Exit status: 0 all ok, 1 some result not ok, 2 usage error (bad arguments, no such directory, no
*.expect.json in it). Keras's own log lines go to stderr.
"""
import contextlib
import glob
import hashlib
import json
import os
import sys

ATOL = 1e-5
RTOL = 1e-5
DTYPES = {"float32": "float32", "int32": "int32", "bool": "bool", "float16": "float16"}


def usage(msg):
    print(msg, file=sys.stderr)
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    sys.exit(2)


def find_layer(model, name):
    """The layer called `name`: top level first, then inside nested models and wrappers."""
    try:
        return model.get_layer(name)
    except (ValueError, AttributeError):
        pass
    seen = set()
    # layers, then the functional graph's other operations (e.g. the NotEqual op a masked Embedding adds)
    stack = list(getattr(model, "layers", [])) + list(getattr(model, "operations", []) or [])
    while stack:
        layer = stack.pop(0)
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if layer.name == name:
            return layer
        stack.extend(getattr(layer, "layers", []) or [])
        stack.extend(getattr(layer, "operations", []) or [])
        for attr in ("layer", "forward_layer", "backward_layer", "cell"):
            sub = getattr(layer, attr, None)
            if sub is not None and hasattr(sub, "name"):
                stack.append(sub)
    return None


def to_array(np, t, what):
    dtype = DTYPES.get(t.get("dtype", "float32"))
    if dtype is None:
        raise ValueError(f"{what}: unknown dtype {t.get('dtype')!r}")
    a = np.asarray(t["data"], dtype=dtype)
    shape = [int(s) for s in t["shape"]]
    if a.size != int(np.prod(shape)):
        raise ValueError(f"{what}: {a.size} values for shape {shape}")
    return a.reshape(shape)


def check_model(keras, np, path, expect, result):
    label = os.path.basename(path)
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001
        result["problems"].append(f"{label}: Keras cannot load it: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        return
    result["checked"].append(label)

    for spec in expect.get("layers", []) or []:
        layer = find_layer(model, spec["name"])
        if layer is None:
            result["problems"].append(f"{label}: no layer named {spec['name']!r}")
        elif "trainable" in spec and bool(getattr(layer, "trainable", True)) != bool(spec["trainable"]):
            result["problems"].append(
                f"{label}: layer {spec['name']!r} has trainable={bool(layer.trainable)}, expected {bool(spec['trainable'])}")

    inputs = expect.get("inputs", []) or []
    outputs = expect.get("outputs", []) or []
    if not inputs:
        if outputs:
            result["problems"].append(f"{label}: expect.json has outputs but no inputs")
        return
    try:
        xs = [to_array(np, t, f"input {i} ({t.get('name', '?')})") for i, t in enumerate(inputs)]
    except (ValueError, KeyError, TypeError) as e:
        result["problems"].append(f"expect.json: bad input: {e}")
        return
    try:
        pred = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    except Exception as e:  # noqa: BLE001
        result["problems"].append(f"{label}: predict failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        return
    if isinstance(pred, dict):
        pred = list(pred.values())
    if not isinstance(pred, (list, tuple)):
        pred = [pred]
    pred = [np.asarray(keras.ops.convert_to_numpy(p), dtype=np.float32) for p in pred]
    if len(pred) != len(outputs):
        result["problems"].append(f"{label}: model has {len(pred)} outputs, expect.json has {len(outputs)}")
        return
    for i, (p, o) in enumerate(zip(pred, outputs)):
        try:
            want = to_array(np, {"dtype": "float32", **o}, f"output {i}")
        except (ValueError, KeyError, TypeError) as e:
            result["problems"].append(f"expect.json: bad output {i}: {e}")
            continue
        if list(p.shape) != list(want.shape):
            result["problems"].append(f"{label}: output {i} has shape {list(p.shape)}, expected {list(want.shape)}")
            continue
        if p.size == 0:
            continue
        diff = np.abs(p.astype(np.float64) - want.astype(np.float64))
        nan_mismatch = np.isnan(p) != np.isnan(want)
        diff = np.where(np.isnan(diff), np.where(nan_mismatch, np.inf, 0.0), diff)
        worst = float(diff.max())
        result["maxDiff"] = max(result["maxDiff"], worst)
        bad = diff > np.maximum(ATOL, RTOL * np.abs(want.astype(np.float64)))
        if bad.any():
            idx = np.unravel_index(int(np.argmax(np.where(bad, diff, -1.0))), p.shape)
            result["problems"].append(
                f"{label}: output {i} differs in {int(bad.sum())} of {p.size} values; worst at {list(map(int, idx))}: "
                f"Keras {float(p[idx])!r}, expected {float(want[idx])!r} (|diff| {float(diff[idx]):.3g})")


def check_safetensors(np, path, expect, result):
    import safetensors

    label = os.path.basename(path)
    want = expect.get("tensors")
    if want is None:
        result["problems"].append(f"{label}: expect.json lists no 'tensors'")
        want = []
    try:
        with safetensors.safe_open(path, framework="np") as f:
            names = list(f.keys())
            meta = f.metadata() or {}
            arrays = {}
            for n in names:
                arrays[n] = f.get_tensor(n)
    except Exception as e:  # noqa: BLE001
        result["problems"].append(f"{label}: safetensors cannot read it: {type(e).__name__}: {e}")
        return
    result["checked"].append(label)
    listed = set()
    for t in want:
        n = t["name"]
        listed.add(n)
        if n not in arrays:
            result["problems"].append(f"{label}: tensor {n!r} missing")
            continue
        a = arrays[n]
        dt = DTYPES.get(t.get("dtype"), t.get("dtype"))
        if str(a.dtype) != dt:
            result["problems"].append(f"{label}: tensor {n!r} has dtype {a.dtype}, expected {t.get('dtype')}")
        if list(a.shape) != [int(s) for s in t.get("shape", [])]:
            result["problems"].append(f"{label}: tensor {n!r} has shape {list(a.shape)}, expected {t.get('shape')}")
        raw = np.ascontiguousarray(a)
        if raw.dtype.byteorder == ">":
            raw = raw.astype(raw.dtype.newbyteorder("<"))
        digest = hashlib.sha256(raw.tobytes(order="C")).hexdigest()
        if "sha256" in t and digest != str(t["sha256"]).lower():
            result["problems"].append(f"{label}: tensor {n!r} bytes differ (sha256 {digest}, expected {t['sha256']})")
    for n in names:
        if n not in listed:
            result["problems"].append(f"{label}: unexpected tensor {n!r} {list(arrays[n].shape)} {arrays[n].dtype}")
    for k, v in (expect.get("metadata") or {}).items():
        if k not in meta:
            result["problems"].append(f"{label}: __metadata__ lacks {k!r}")
        elif meta[k] != v:
            result["problems"].append(f"{label}: __metadata__[{k!r}] is {meta[k]!r}, expected {v!r}")


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        usage("usage: check_export.py <dir>")
    root = argv[1]
    if not os.path.isdir(root):
        usage(f"not a directory: {root}")
    expects = sorted(glob.glob(os.path.join(root, "*.expect.json")))
    if not expects:
        usage(f"no *.expect.json in {root}")

    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # Keras prints some messages to stdout
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import numpy as np
        import keras

        results = []
        for ep in expects:
            eid = os.path.basename(ep)[: -len(".expect.json")]
            result = {"id": eid, "ok": False, "problems": [], "maxDiff": 0.0, "checked": []}
            try:
                with open(ep, encoding="utf8") as fh:
                    expect = json.load(fh)
                if not isinstance(expect, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError) as e:
                result["problems"].append(f"{os.path.basename(ep)}: unreadable: {e}")
                results.append(result)
                continue
            if expect.get("id", eid) != eid:
                result["problems"].append(f"expect.json id {expect.get('id')!r} does not match file name {eid!r}")
            found = False
            for ext in (".keras", ".h5"):
                p = os.path.join(root, eid + ext)
                if os.path.exists(p):
                    found = True
                    check_model(keras, np, p, expect, result)
            p = os.path.join(root, eid + ".safetensors")
            if os.path.exists(p):
                found = True
                check_safetensors(np, p, expect, result)
            elif expect.get("tensors"):
                result["problems"].append(f"expect.json lists tensors but there is no {eid}.safetensors")
            if not found:
                result["problems"].append(f"no {eid}.keras, {eid}.h5 or {eid}.safetensors")
            result["ok"] = not result["problems"]
            results.append(result)
        report = {"results": results, "keras": keras.__version__, "backend": keras.backend.backend()}
    real_stdout.write(json.dumps(report, indent=1) + "\n")
    real_stdout.flush()
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
