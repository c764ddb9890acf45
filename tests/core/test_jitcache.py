"""numba's kernel cache is keyed by the source of every module beside a kernel (workshift._jitcache)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workshift import _jitcache


def _tree(root: Path) -> Path:
    (root / "market").mkdir(parents=True)
    (root / "market" / "fused.py").write_text("from numba import njit\n")
    (root / "market" / "fused_update.py").write_text("X = 1\n")
    (root / "cli").mkdir()
    (root / "cli" / "main.py").write_text("print('numba is only a word here')\n")
    return root


def test_the_digest_follows_a_kernels_neighbour_not_unrelated_modules(tmp_path: Path) -> None:
    root = _tree(tmp_path / "pkg")
    first = _jitcache.kernel_digest(root)
    assert [p.name for p in _jitcache.kernel_sources(root)] == ["fused.py", "fused_update.py"]
    (root / "cli" / "main.py").write_text("print('changed')\n")
    assert _jitcache.kernel_digest(root) == first  # a CLI edit keeps the compiled kernels
    (root / "market" / "fused_update.py").write_text("X = 2\n")  # a callee of a kernel: the stale-cache case
    assert _jitcache.kernel_digest(root) != first


def test_a_process_compiles_into_the_digest_directory_and_children_do_not_nest(tmp_path: Path) -> None:
    base = tmp_path / "cache"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(base)}
    env.pop(_jitcache.BASE_ENV, None)
    code = ("import os, workshift, numba; from workshift.market import expm1; "
            "print(numba.config.CACHE_DIR); print(os.environ['NUMBA_CACHE_DIR'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    config_dir, env_dir = out.stdout.split()
    expected = base / f"numba-{_jitcache.kernel_digest()}"
    assert Path(config_dir) == Path(env_dir) == expected
    # a child started from that environment (NUMBA_CACHE_DIR now the digest directory) lands in the same place
    child = subprocess.run([sys.executable, "-c", code], env={**env, "NUMBA_CACHE_DIR": env_dir},
                           capture_output=True, text=True, check=True)
    assert Path(child.stdout.split()[0]) == expected
