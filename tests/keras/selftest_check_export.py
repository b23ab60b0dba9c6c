#!/usr/bin/env python3
"""Self-test for check_export.py, using the committed Keras fixtures as if Graft had exported them.

    KERAS_BACKEND=jax /work/kvenv/bin/python tests/keras/selftest_check_export.py [--all] [--keep DIR]

1. Builds an export directory from fixtures (tests/fixtures/keras/manifest.json): each model's own
   .keras / .h5 / .safetensors as the "export" and an <id>.expect.json written from Keras's recorded
   inputs/outputs, the layer names and trainable flags in the file's config, and the sha256 of every
   safetensors tensor. check_export.py must pass it (exit 0).
2. Builds a second directory with one defect per export (an output number off by 1e-3, a flipped byte
   in a safetensors tensor, a wrong trainable flag, a missing layer, a wrong __metadata__ value, an
   extra tensor, a wrong dtype) and checks that check_export.py fails (exit 1) and names each defect.
3. Checks that a missing directory is a usage error (exit 2).

--all exports every fixture Keras can run as recorded on this backend (slower); the default is a
small, varied subset. Needs numpy, h5py and safetensors in the Python running it; the checker runs in
the same Python (sys.executable) unless --python is given.
"""
import argparse
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures", "keras"))
CHECKER = os.path.join(HERE, "check_export.py")

SUBSET = ["seed_sequential", "nested", "frozen", "multi_io_shared", "embedding", "category_encoding",
          "rnn_bidirectional", "batchnorm_trained", "keras2_cnn", "keras2_functional_lstm", "seed_named",
          "seed_f16", "conv2d_named"]
# Fixtures check_export.py cannot run as recorded (by design or because of Keras 3 limits):
SKIP = {
    "refuse_custom": "needs the custom class registered",
    "refuse_lambda": "needs safe_mode=False",
    "keras2_sequential": "Keras 3 builds a (batch, None, n) input from Keras 2 batch_input_shape",
    "keras2_sequential_list": "Keras 3 cannot read a list-form Sequential config",
}


def layers_from_file(path):
    """[{'name', 'trainable'}] for the top-level layers in the file's own config."""
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            cfg = json.loads(z.read("config.json"))
    else:
        import h5py

        with h5py.File(path, "r") as f:
            raw = f.attrs["model_config"]
            cfg = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    layers = cfg["config"]["layers"] if isinstance(cfg["config"], dict) else cfg["config"]
    out = []
    for lc in layers:
        c = lc["config"]
        if lc["class_name"] == "InputLayer":
            continue
        out.append({"name": c.get("name", lc.get("name")), "trainable": bool(c.get("trainable", True))})
    return out


def tensors_from_file(path):
    import numpy as np
    import safetensors

    out = []
    with safetensors.safe_open(path, framework="np") as f:
        meta = f.metadata() or {}
        for n in f.keys():
            a = np.ascontiguousarray(f.get_tensor(n))
            out.append({"name": n, "dtype": str(a.dtype), "shape": list(a.shape),
                        "sha256": hashlib.sha256(a.tobytes()).hexdigest()})
    return out, meta


def export(entry, d, backend):
    """Copy a fixture's files to d as <id>.*, write <id>.expect.json. Returns the id or None."""
    fid = entry["id"]
    files = entry["files"]
    expect = {"id": fid, "inputs": entry["inputs"],
              # mixed/float16/bfloat16: the file computes natively, so compare with Keras's native outputs
              "outputs": [{"shape": o["shape"], "data": o["data"]} for o in entry.get("nativeOutputs",
                                                                                      entry["outputs"])],
              "layers": []}
    copied = False
    for kind in ("keras", "h5"):
        rel = files.get(kind)
        if rel:
            shutil.copy(os.path.join(FIXTURES, rel), os.path.join(d, f"{fid}.{kind}"))
            copied = True
            if not expect["layers"]:
                expect["layers"] = layers_from_file(os.path.join(FIXTURES, rel))
    w = files.get("weights")
    if w and w.endswith(".safetensors"):
        shutil.copy(os.path.join(FIXTURES, w), os.path.join(d, f"{fid}.safetensors"))
        expect["tensors"], meta = tensors_from_file(os.path.join(FIXTURES, w))
        expect["metadata"] = meta
        copied = True
    if not copied:
        return None
    with open(os.path.join(d, f"{fid}.expect.json"), "w") as fh:
        json.dump(expect, fh)
    return fid


def run_checker(python, d):
    p = subprocess.run([python, CHECKER, d], capture_output=True, text=True)
    try:
        report = json.loads(p.stdout) if p.stdout.strip() else None
    except ValueError:
        report = None
    return p.returncode, report, p


def load_expect(d, fid):
    with open(os.path.join(d, f"{fid}.expect.json")) as fh:
        return json.load(fh)


def save_expect(d, fid, e):
    with open(os.path.join(d, f"{fid}.expect.json"), "w") as fh:
        json.dump(e, fh)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--keep", default="", help="build the directories here and keep them")
    args = ap.parse_args()
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    manifest = json.load(open(os.path.join(FIXTURES, "manifest.json")))
    by_id = {e["id"]: e for e in manifest}
    skip = dict(SKIP)
    if backend == "tensorflow":
        skip["conv2d_channels_first"] = "TensorFlow on CPU has no NCHW convolution kernels"
    if backend != "tensorflow":
        # float16/bfloat16 compute is backend-specific: native outputs were recorded on TensorFlow
        for fid in ("mixed_float16", "float16_weights", "bfloat16_weights"):
            skip[fid] = "native float16/bfloat16 outputs were recorded with the TensorFlow backend"
    ids = [e["id"] for e in manifest] if args.all else SUBSET
    ids = [i for i in ids if i not in skip]

    base = args.keep or tempfile.mkdtemp(prefix="graft-check-")
    good = os.path.join(base, "good")
    bad = os.path.join(base, "bad")
    for d in (good, bad):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    exported = [f for f in (export(by_id[i], good, backend) for i in ids) if f]
    print(f"[1] {len(exported)} exports in {good} (backend {backend})", file=sys.stderr)
    rc, report, proc = run_checker(args.python, good)
    failures = []
    if rc != 0 or report is None:
        failures.append(f"good exports: exit {rc}")
        print(proc.stdout, proc.stderr[-3000:], file=sys.stderr)
    else:
        worst = max(r["maxDiff"] for r in report["results"])
        print(f"    exit 0, all ok, keras {report['keras']} backend {report['backend']}, max |diff| {worst:.3g}",
              file=sys.stderr)

    # 2. defects, one per export
    import numpy as np
    import safetensors.numpy

    defects = {}  # id -> substring the problem line must contain
    for fid in ("seed_sequential", "nested", "frozen", "seed_named", "seed_f16", "conv2d_named", "keras2_cnn",
                "multi_io_shared"):
        export(by_id[fid], bad, backend)

    e = load_expect(bad, "seed_sequential")  # one output number off by 1e-3
    e["outputs"][0]["data"][7] += 1e-3
    save_expect(bad, "seed_sequential", e)
    defects["seed_sequential"] = "output 0 differs in 1 of 30 values"

    e = load_expect(bad, "frozen")  # wrong trainable flag
    for ly in e["layers"]:
        if ly["name"] == "frozen_bn":
            ly["trainable"] = True
    save_expect(bad, "frozen", e)
    defects["frozen"] = "layer 'frozen_bn' has trainable=False, expected True"

    e = load_expect(bad, "nested")  # a layer that is not there (inner layers are found: fn_dense is)
    e["layers"] += [{"name": "fn_dense", "trainable": True}, {"name": "no_such_layer", "trainable": True}]
    save_expect(bad, "nested", e)
    defects["nested"] = "no layer named 'no_such_layer'"

    path = os.path.join(bad, "seed_named.safetensors")  # flip one byte of one tensor
    with safetensors.safe_open(path, framework="np") as f:
        meta = f.metadata()
        ts = {n: f.get_tensor(n).copy() for n in f.keys()}
    name = sorted(ts)[0]
    raw = ts[name].view(np.uint8).reshape(-1)
    raw[5] ^= 0x01
    safetensors.numpy.save_file(ts, path, metadata=meta)
    defects["seed_named"] = f"tensor {name!r} bytes differ"

    e = load_expect(bad, "seed_f16")  # wrong metadata value expected + wrong dtype expected
    e["metadata"] = {"format": "pt"}
    e["tensors"][0]["dtype"] = "float32"
    save_expect(bad, "seed_f16", e)
    defects["seed_f16"] = "__metadata__['format'] is 'np', expected 'pt'"

    path = os.path.join(bad, "conv2d_named.safetensors")  # an extra tensor
    with safetensors.safe_open(path, framework="np") as f:
        meta = f.metadata()
        ts = {n: f.get_tensor(n) for n in f.keys()}
    ts["extra/kernel"] = np.zeros((2, 2), dtype=np.float32)
    safetensors.numpy.save_file(ts, path, metadata=meta)
    defects["conv2d_named"] = "unexpected tensor 'extra/kernel'"

    e = load_expect(bad, "multi_io_shared")  # second output shape wrong
    e["outputs"][1]["shape"] = [1, 3]
    save_expect(bad, "multi_io_shared", e)
    defects["multi_io_shared"] = "output 1"

    rc, report, proc = run_checker(args.python, bad)
    print(f"[2] defects in {bad}: exit {rc}", file=sys.stderr)
    if rc != 1 or report is None:
        failures.append(f"defective exports: exit {rc}, expected 1")
        print(proc.stdout, proc.stderr[-3000:], file=sys.stderr)
    else:
        for r in report["results"]:
            want = defects.get(r["id"])
            for p in r["problems"]:
                print(f"    {r['id']}: {p}", file=sys.stderr)
            if want is None:
                if not r["ok"]:
                    failures.append(f"{r['id']}: unexpected problems {r['problems']}")
            elif r["ok"] or not any(want in p for p in r["problems"]):
                failures.append(f"{r['id']}: expected a problem containing {want!r}, got {r['problems']}")
        if "keras2_cnn" not in [r["id"] for r in report["results"] if r["ok"]]:
            failures.append("keras2_cnn (untouched) should pass in the defective directory")

    rc, _, proc = run_checker(args.python, os.path.join(base, "does-not-exist"))
    print(f"[3] missing directory: exit {rc}", file=sys.stderr)
    if rc != 2:
        failures.append(f"missing directory: exit {rc}, expected 2")

    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("self-test passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
