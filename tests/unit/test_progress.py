"""Progress lines, thread settings and the process pool of helpers.progress."""

from __future__ import annotations

import io
import os
import threading

import pytest

from helpers import progress


class Clock:
    def __init__(self, times):
        self.times = list(times)

    def __call__(self):
        return self.times.pop(0)


def test_line_hand_worked():
    assert progress.line("grid", 1, 4, 10.0) == "grid: 1/4, 10 s, ~30 s left"
    assert progress.line("grid", 4, 4, 40.0) == "grid: 4/4, 40 s"
    assert progress.line("grid", 3, 4, 300.0) == "grid: 3/4, 5.0 min, ~100 s left"
    assert progress.line("grid", 2, None, 7.0) == "grid: 2 done, 7 s"


def test_track_throttles_to_first_every_interval_and_last(monkeypatch, tmp_path):
    out = tmp_path / "p.log"
    monkeypatch.setenv(progress.ENV_FILE, str(out))
    # t0 = 0; steps end at 1, 2, 3, 7, 8, 20 s
    clock = Clock([0, 1, 2, 3, 7, 8, 20])
    items = list(progress.track(range(6), "fit", min_interval=5.0, clock=clock))
    assert items == list(range(6))
    assert out.read_text().splitlines() == [
        "fit: 1/6, 1 s, ~5 s left",   # the first step
        "fit: 4/6, 7 s, ~4 s left",   # 6 s after the last line
        "fit: 6/6, 20 s",             # the last step
    ]


def test_track_without_length_says_finished(monkeypatch, tmp_path):
    out = tmp_path / "p.log"
    monkeypatch.setenv(progress.ENV_FILE, str(out))
    clock = Clock([0, 1, 2, 3])
    assert list(progress.track(iter("ab"), "gen", clock=clock)) == ["a", "b"]
    assert out.read_text().splitlines() == ["gen: 1 done, 1 s", "gen: 2/2, 3 s (finished)"]


def test_emit_goes_to_stderr_without_a_file(monkeypatch, capsys):
    monkeypatch.delenv(progress.ENV_FILE, raising=False)
    progress.emit("hello")
    assert capsys.readouterr().err == "hello\n"


def test_step_counts_from_the_first_step(monkeypatch, tmp_path):
    out = tmp_path / "p.log"
    monkeypatch.setenv(progress.ENV_FILE, str(out))
    progress.step("layer", "read", 1, 3, clock=Clock([100.0]))
    progress.step("layer", "clean", 2, 3, clock=Clock([112.0]))
    progress.step("layer", "write", 3, 3, clock=Clock([250.0]))
    assert out.read_text().splitlines() == [
        "layer 1/3: read (0 s so far)", "layer 2/3: clean (12 s so far)",
        "layer 3/3: write (2.5 min so far)"]


def test_follow_prints_whole_lines_with_the_prefix(tmp_path):
    f = tmp_path / "p.log"
    f.write_text("one\ntw", encoding="utf-8")
    buf, stop = io.StringIO(), threading.Event()
    t = threading.Thread(target=progress.follow, args=(f, "  [05] ", stop, buf, 0.01))
    t.start()
    with open(f, "a", encoding="utf-8") as fh:
        fh.write("o\nthree é\n")
    stop.set()
    t.join(5)
    assert buf.getvalue().splitlines() == ["  [05] one", "  [05] two", "  [05] three é"]


def test_thread_environment_keeps_what_the_user_set(monkeypatch):
    monkeypatch.setattr(progress, "usable_cpus", lambda: 3)
    env = progress.thread_environment({"OMP_NUM_THREADS": "8", "MKL_NUM_THREADS": ""})
    assert env == {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_NUM_THREADS": "1",
                   "MKL_NUM_THREADS": "1"}
    assert progress.thread_environment({})["OMP_NUM_THREADS"] == "3"


def test_usable_cpus_is_the_affinity_mask(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 5, 7}, raising=False)
    assert progress.usable_cpus() == 3
    assert progress.resolve_n_jobs(0) == 3 and progress.resolve_n_jobs(-1) == 3
    assert progress.resolve_n_jobs(2) == 2


def _square(x):
    return x * x


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_parallel_map_keeps_the_order(n_jobs, monkeypatch, tmp_path):
    out = tmp_path / "p.log"
    monkeypatch.setenv(progress.ENV_FILE, str(out))
    assert progress.parallel_map(_square, range(7), n_jobs, "sq") == [x * x for x in range(7)]
    assert out.read_text().splitlines()[-1].startswith("sq: 7/7, ")
