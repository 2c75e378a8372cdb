"""The OpenMP wait policy: spin on an idle host, sleep on a busy one, never override the user."""

import os
import subprocess
import sys

from signport.core.openmp import SPIN_COUNT, choose_wait_policy


def test_idle_host_spins_briefly():
    policy = choose_wait_policy({}, busy=0.2, cores=2, threads=2)
    assert policy.environment == {"GOMP_SPINCOUNT": str(SPIN_COUNT)}
    assert "spin" in policy.reason


def test_busy_host_sleeps():
    policy = choose_wait_policy({}, busy=1.6, cores=2, threads=2)
    assert policy.environment == {"OMP_WAIT_POLICY": "PASSIVE"}
    assert "OMP_WAIT_POLICY=ACTIVE" in policy.reason  # says how to override


def test_one_thread_needs_one_free_core():
    assert "GOMP_SPINCOUNT" in choose_wait_policy({}, busy=1.0, cores=2, threads=1).environment
    assert "OMP_WAIT_POLICY" in choose_wait_policy({}, busy=1.0, cores=2, threads=None).environment


def test_user_setting_wins():
    for variable in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
        policy = choose_wait_policy({variable: "123"}, busy=0.0, cores=2, threads=2)
        assert policy.environment == {}
        assert variable in policy.reason


def test_cli_reports_its_choice_before_torch_loads(tmp_path):
    # A real `signport train` fails fast on a missing folder, after choosing the policy.
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    result = subprocess.run([sys.executable, "-m", "signport.cli", "train", "--model", "landmarks", "--data", str(tmp_path / "missing"),
                             "--out", str(tmp_path / "run")], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode != 0
    assert "OpenMP threads" in result.stdout + result.stderr


def test_busy_cores_reads_this_host():
    from signport.core.openmp import busy_cores

    busy = busy_cores(window_s=0.05)
    assert 0.0 <= busy <= (os.cpu_count() or 1) + 0.01
