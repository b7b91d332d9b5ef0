"""Helpers shared by the chat tests (tests/test_chat_*.py): waiting for the app, fit fixtures."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, read, released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


async def until(pilot, predicate: Callable[[], bool], attempts: int = 1000) -> None:
    """Let the app run (workers, messages, redraws) until `predicate()` holds.

    Bounded by a number of attempts, not by a time: a broken app fails the test instead of hanging.
    """
    for _ in range(attempts):
        if predicate():
            return
        await pilot.pause()
        await asyncio.sleep(0.005)
    assert predicate(), "the app never reached the expected state"


def install_catalogue_model(stub, name: str, size: int | None = None) -> None:
    """Install a model on the stub with the real architecture numbers and tensor list of a
    catalogue model, so the fit check can judge it exactly as it would a real download."""
    from tutor.fit.catalogue import entry

    item = entry(name)
    assert item is not None, name
    facts = item.facts()
    stub.add_model(
        name,
        model_info=facts.info,
        tensors=[tensor.to_json() for tensor in facts.tensors],
        size=size or item.file_bytes,
        parameter_size="",
        family=facts.architecture,
    )


def hardware(gpu: str = "none", ram: str = "16GiB"):
    """A what-if machine (tutor.fit), so verdicts do not depend on the computer running the tests."""
    from tutor.fit import what_if
    from tutor.fit.hardware import Hardware

    return what_if(Hardware(os="linux"), gpu, ram)
