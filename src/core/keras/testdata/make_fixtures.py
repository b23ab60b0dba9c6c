"""Writes the safetensors fixtures for safetensors.test.ts with the real Python package (Rust inside).

Run: python make_fixtures.py (needs safetensors, numpy, ml_dtypes), then `npx prettier --write` the JSON.
The expected values are what numpy and ml_dtypes compute, so the TypeScript reader is checked against the
other side's implementation. The metadata's order in the header changes between runs (a Rust HashMap);
nothing depends on it.
"""
import json
import struct
from pathlib import Path

import ml_dtypes
import numpy as np
import safetensors
from safetensors.numpy import save

HERE = Path(__file__).parent
inf, nan = np.inf, np.nan

TENSORS = {
    "dense/kernel": np.array([[0.1, -0.0, 1e-45], [3.4e38, inf, nan]], dtype=np.float32),
    # ±0, the smallest and largest subnormals, the smallest normal, the largest finite, ±inf, NaN, 1/3
    "half": np.array(
        [0.0, -0.0, 2**-24, -(2**-24), 6.097555e-05, 2**-14, 65504, inf, -inf, nan, 1 / 3], dtype=np.float16
    ),
    # a quiet NaN with a payload: numpy keeps payload bits when widening
    "half_nan_payload": np.array([0x7E01, 0xFD55], dtype=np.uint16).view(np.float16),
    "brain": np.array([1.5, -2.0, 1e-40, -1e-39, 3.14159, inf, -inf, nan, 0.0, -0.0], dtype=ml_dtypes.bfloat16),
    "double": np.array(0.1, dtype=np.float64),  # a scalar, shape []
    "double_wide": np.array([1e300, -1e-300, 16777217.0], dtype=np.float64),
    "step": np.array([[-(2**31), 2**31 - 1], [0, -1]], dtype=np.int64),
    "u64": np.array([0, 7, 2**31 - 1], dtype=np.uint64),
    "u32": np.array([0, 2**31 - 1], dtype=np.uint32),
    "i16": np.array([-32768, 32767, 5], dtype=np.int16),
    "u16": np.array([0, 65535], dtype=np.uint16),
    "i8": np.array([-128, 127], dtype=np.int8),
    "u8": np.array([0, 255, 9], dtype=np.uint8),
    "i32": np.array([-(2**31), 2**31 - 1, 42], dtype=np.int32),
    "mask": np.array([True, False, True, True, False]),
    "empty": np.zeros((0, 3), dtype=np.float32),
    # values Graft's int32 cannot hold
    "too_wide_i64": np.array([1, 2**31, 3], dtype=np.int64),
    "too_wide_u32": np.array([2**31], dtype=np.uint32),
    "too_wide_u64": np.array([2**64 - 1], dtype=np.uint64),
}
METADATA = {"format": "np", "note": "Grüße ✓ \"quoted\""}


def expected(name, arr):
    dtype = {"bfloat16": "BF16"}.get(arr.dtype.name) or {
        "float32": "F32", "float16": "F16", "float64": "F64", "int64": "I64", "uint64": "U64", "uint32": "U32",
        "int16": "I16", "uint16": "U16", "int8": "I8", "uint8": "U8", "int32": "I32", "bool": "BOOL",
    }[arr.dtype.name]
    out = {"dtype": dtype, "shape": list(arr.shape)}
    flat = arr.reshape(-1)
    if arr.dtype == np.bool_:
        out.update(stored="bool", values=[int(v) for v in flat])
    elif arr.dtype.kind == "f" or arr.dtype == ml_dtypes.bfloat16:
        with np.errstate(over="ignore"):
            f32 = flat.astype(np.float32)
        out.update(stored="float32", bits=[int(b) for b in f32.view(np.uint32)])
    elif np.all((flat.astype(object) >= -(2**31)) & (flat.astype(object) <= 2**31 - 1)):
        out.update(stored="int32", values=[int(v) for v in flat])
    else:
        out.update(error="dtype")
    return out


data = save(TENSORS, METADATA)
(HERE / "numpy.safetensors").write_bytes(data)

# What the package itself reads back: the order by offset and the metadata
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8 : 8 + n])
order = sorted((k for k in header if k != "__metadata__"), key=lambda k: tuple(header[k]["data_offsets"]))
with safetensors.safe_open(HERE / "numpy.safetensors", framework="numpy") as f:
    metadata = f.metadata()
(HERE / "numpy.expected.json").write_text(
    json.dumps(
        {
            "headerLength": n,
            "metadata": metadata,
            "order": order,
            "tensors": {k: expected(k, v) for k, v in TENSORS.items()},
        },
        ensure_ascii=False,
        indent=2,
    )
    + "\n"
)
print(len(data), "bytes;", len(order), "tensors")
