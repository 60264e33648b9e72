"""The class grader's worker: the one process where a learner's code runs during class grading.

Started by `classroom.isolation.Worker` with two pipes (requests on stdin, answers on stdout)
and nothing else of the grader's: not its references, its seed, its environment or its files.
It loads a kata's file (the static refusals apply, as in the loop), calls the learner's
function on the inputs it is sent, and sends back what came out as plain data (`core.wire`).
Whatever the learner's code does here, it can only change what this process sends: the grader
decodes it with suspicion and judges it against references it computed itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MEMORY_HEADROOM = 2 << 30  # bytes a kata may map beyond what the worker holds once torch is in


def limit_memory(headroom: int = MEMORY_HEADROOM) -> bool:
    """Cap this process's address space at what it maps now plus `headroom`, for good (soft
    and hard limit alike, so the learner's code cannot raise it): a kata that exhausts memory
    fails its own check with a MemoryError instead of waking the machine's OOM killer.
    Linux's (its /proc); False where it cannot be set."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = mapped + headroom
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):
        return False
    return True


def _kept(value):
    """What an input was before the call: its tensors copied (a dict input's each)."""
    if hasattr(value, "clone"):
        return value.clone()
    if isinstance(value, dict):
        return {k: v.clone() for k, v in value.items() if hasattr(v, "clone")}
    return None


def _as_kept(value, kept) -> bool:
    """Whether an input is as it was before the call."""
    import torch

    def same(a, b) -> bool:
        return isinstance(a, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)

    if isinstance(kept, torch.Tensor):
        return same(value, kept)
    if isinstance(kept, dict):
        return isinstance(value, dict) and all(same(value.get(k), t) for k, t in kept.items())
    return True


def out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or (
        isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc)
    )


def main() -> None:
    """Serve requests on stdin, answer on stdout; what the learner's code prints goes to
    stderr, the grader's log (stdout is moved there first, so a print cannot reach the
    grader as an answer by accident)."""
    requests, answers = os.dup(0), os.dup(1)
    quiet = os.open(os.devnull, os.O_RDONLY)
    os.dup2(quiet, 0)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    import torch

    from pytest_ninja.core import integrity, wire
    from pytest_ninja.core.loading import (
        KataLoadError,
        exception_line,
        learner_frame,
        load_function,
    )
    from pytest_ninja.levels import BY_ID

    torch.set_num_threads(1)
    limit_memory()
    integrity.begin()  # so that a kata patching torch here is told so, as in the loop
    functions = {}
    while True:
        try:
            header, blobs = wire.receive(requests)
        except EOFError:
            return
        op = header.get("op")
        if op == "ping":
            wire.send(answers, {"pong": os.getuid() if hasattr(os, "getuid") else None})
        elif op == "load":
            kata = BY_ID[header["kata"]]
            path = Path(header["path"])
            try:
                functions[kata.id] = (load_function(path, kata), path)
                wire.send(answers, {"loaded": True})
            except KataLoadError as exc:
                wire.send(answers, {"error": str(exc)})
        elif op == "call":
            func, path = functions[header["kata"]]
            inputs = {k: wire.decode(v, blobs, 1) for k, v in header["inputs"].items()}
            before = {k: _kept(v) for k, v in inputs.items()}
            integrity.restored()  # what a call that raised left changed, put back first
            try:
                with torch.no_grad():
                    answer = func(**inputs)
                tampered = integrity.restored()
                if tampered:
                    words = integrity.changed_words(tampered)
                    name = BY_ID[header["kata"]].name
                    wire.send(answers, {"verdict": f"{name} was refused: while it ran, {words}"})
                    continue
            except NotImplementedError:
                wire.send(answers, {"todo": True})
                continue
            except BaseException as exc:  # the learner's: even SystemExit, KeyboardInterrupt
                autograd = isinstance(exc, RuntimeError) and "does not require grad" in str(exc)
                line = exception_line(exc, path)
                if out_of_memory(exc):
                    where = learner_frame(exc, path)
                    line = (
                        f"MemoryError: it asked for more than the {MEMORY_HEADROOM >> 30} GiB "
                        "of memory a kata may use" + (f" ({where})" if where else "")
                    )
                wire.send(answers, {"raised": line, "autograd": autograd})
                continue
            out: list[bytes] = []
            reply = {"answer": wire.encode(answer, out)}
            changed = {
                k: wire.encode(inputs[k], out, 1)
                for k, v in before.items()
                if not _as_kept(inputs[k], v)
            }
            reply["changed"] = changed
            wire.send(answers, reply, out)


if __name__ == "__main__":  # `python -I -B -c ...` starts it, its stdin and stdout the pipes
    main()
    os._exit(0)
