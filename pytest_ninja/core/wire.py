"""Values between two processes as plain data: what a learner's function returned, sent by the
process that ran it to the one that grades it, and decoded there with suspicion.

A message is a JSON header and a list of byte blobs, each length-prefixed; never a pickle, so
what crosses is data and never code. `encode` turns a value into a header (tensors by dtype,
shape and device, their bytes in the blobs; numbers, strings; dicts and sequences two deep,
as `(dx, grads)` is; any other object by its type's name alone). `decode` rebuilds it and
checks everything it reads: a dtype from a short list, a rank and a size within bounds,
exactly as many bytes as that shape holds, keys that are strings. A tensor that is not dense
(sparse, say) never becomes one: it is decoded as a `Refused` value naming its layout.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass

import torch

DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.complex128,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.uint8,
        torch.bool,
    )
}
MOST_DIMS = 8
MOST_ELEMENTS = 16_000_000  # a kata's gradients are tens of thousands of numbers
MOST_HEADER = 1_000_000  # bytes
MOST_ITEMS = 256  # entries of a dict or a sequence (a GPT's parameters and forward cache)
MOST_DEPTH = 2  # containers inside containers: (dx, {name: gradient}) and no deeper
MOST_BLOBS = 256


class WireError(Exception):
    """A message that is not what the protocol allows; the text says what was wrong."""


@dataclass(frozen=True)
class Refused:
    """A tensor that is not dense (its layout: `sparse_coo`, ...): never rebuilt."""

    layout: str


class Foreign:
    """Stands for an object of a type the grader does not rebuild; only its name crossed."""

    type_name = "object"

    def __repr__(self) -> str:
        return f"<a {self.type_name}>"


def _foreign(name: str) -> Foreign:
    cls = type(name[:60] or "object", (Foreign,), {"type_name": name[:60]})
    return cls()


# -- encoding (in the process that ran the learner's code) ---------------------------------


def encode(value, blobs: list[bytes], depth: int = 0) -> dict:
    """`value` as a header; tensors' bytes are appended to `blobs`."""
    if isinstance(value, torch.Tensor):
        return _encode_tensor(value, blobs)
    if value is None:
        return {"none": True}
    if isinstance(value, bool | int | float) and type(value) in (bool, int, float):
        return {"number": value if value == value and abs(value) != float("inf") else str(value)}
    if isinstance(value, str) and type(value) is str:
        return {"str": value[:200]}
    if type(value) is dict and depth < MOST_DEPTH:
        items = list(value.items())[:MOST_ITEMS]
        return {"dict": [[str(k), encode(v, blobs, depth + 1)] for k, v in items]}
    if type(value) in (list, tuple) and depth < MOST_DEPTH:
        items = [encode(v, blobs, depth + 1) for v in value[:8]]
        return {"seq": type(value).__name__, "items": items}
    if hasattr(value, "__array__") and hasattr(value, "dtype"):  # told as the loop tells it
        return {"other": f"{type(value).__module__.split('.')[0]} array"}
    return {"other": type(value).__name__}


def _encode_tensor(t: torch.Tensor, blobs: list[bytes]) -> dict:
    if t.layout != torch.strided:
        return {"refused": str(t.layout).removeprefix("torch.")}
    dtype = str(t.dtype).removeprefix("torch.")
    if dtype not in DTYPES:
        return {"other": f"tensor of dtype {dtype}"}
    dense = torch.Tensor.contiguous(torch.Tensor.detach(t).to("cpu"))
    raw = dense.reshape(-1).view(torch.uint8) if dense.numel() else dense
    blobs.append(raw.numpy().tobytes() if dense.numel() else b"")
    return {
        "tensor": len(blobs) - 1,
        "dtype": dtype,
        "shape": list(dense.shape),
        "device": str(t.device),
    }


# -- decoding (in the grader): nothing is trusted -------------------------------------------


def decode(header, blobs: list[bytes], depth: int = 0):
    """The value a header stands for; WireError when it breaks the protocol."""
    if not isinstance(header, dict) or len(header) > 4:
        raise WireError("a value that is not a header")
    if "tensor" in header:
        return _decode_tensor(header, blobs)
    if "refused" in header:
        return Refused(str(header["refused"])[:40])
    if "none" in header:
        return None
    if "number" in header:
        number = header["number"]
        if isinstance(number, str):
            return float(number) if number in ("nan", "inf", "-inf") else 0.0
        if not isinstance(number, bool | int | float):
            raise WireError("a number that is not one")
        return number
    if "str" in header:
        return str(header["str"])[:200]
    if "dict" in header and depth < MOST_DEPTH:
        items = header["dict"]
        if not isinstance(items, list) or len(items) > MOST_ITEMS:
            raise WireError("a dict too big")
        out = {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                raise WireError("a dict entry that is not a key and a value")
            out[item[0][:100]] = decode(item[1], blobs, depth + 1)
        return out
    if "seq" in header and depth < MOST_DEPTH:
        items = header.get("items")
        if not isinstance(items, list) or len(items) > 8:
            raise WireError("a sequence too big")
        values = [decode(v, blobs, depth + 1) for v in items]
        return tuple(values) if header["seq"] == "tuple" else values
    if "other" in header:
        return _foreign(str(header["other"]))
    raise WireError("a header of no known kind")


def _decode_tensor(header: dict, blobs: list[bytes]) -> torch.Tensor:
    index, dtype, shape = header.get("tensor"), header.get("dtype"), header.get("shape")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(blobs):
        raise WireError("a tensor without its bytes")
    if dtype not in DTYPES:
        raise WireError(f"a tensor of dtype {str(dtype)[:30]!r}")
    if not (isinstance(shape, list) and len(shape) <= MOST_DIMS):
        raise WireError("a tensor of no sane shape")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise WireError("a tensor of no sane shape")
    numel = 1
    for n in shape:
        numel *= n
    if numel > MOST_ELEMENTS:
        raise WireError(f"a tensor of {numel:,} numbers: far more than any gradient here")
    kind = DTYPES[dtype]
    size = torch.empty((), dtype=kind).element_size()
    blob = blobs[index]
    if len(blob) != numel * size:
        raise WireError("a tensor whose bytes do not fit its shape")
    if numel == 0:
        return torch.empty(shape, dtype=kind)
    flat = torch.frombuffer(bytearray(blob), dtype=torch.uint8)
    return flat.view(kind).reshape(shape).clone()


# -- messages on a pipe ----------------------------------------------------------------------


def send(fd: int, header: dict, blobs: list[bytes] = ()) -> None:
    """One message: its header's length and the header, then each blob's length and bytes."""
    text = json.dumps(header).encode()
    parts = [struct.pack("<II", len(text), len(blobs)), text]
    for blob in blobs:
        parts += [struct.pack("<Q", len(blob)), blob]
    _write_all(fd, b"".join(parts))


def receive(fd: int) -> tuple[dict, list[bytes]]:
    """The next message; EOFError when the other side is gone, WireError when it lies."""
    size, count = struct.unpack("<II", _read_exactly(fd, 8))
    if size > MOST_HEADER or count > MOST_BLOBS:
        raise WireError("a message too big")
    try:
        header = json.loads(_read_exactly(fd, size))
    except ValueError:
        raise WireError("a header that is not JSON") from None
    blobs, total = [], 0
    for _ in range(count):
        (length,) = struct.unpack("<Q", _read_exactly(fd, 8))
        total += length
        if total > MOST_ELEMENTS * 16:
            raise WireError("a message too big")
        blobs.append(_read_exactly(fd, length))
    if not isinstance(header, dict):
        raise WireError("a header that is not an object")
    return header, blobs


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
