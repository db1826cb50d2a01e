"""The accuracy driver's scheduling and summary (``benchmarks/accuracy.py``), without training anything."""

import csv
import threading
import time
from pathlib import Path

import pytest
from conftest import load_script

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def driver():
    return load_script(ROOT / "benchmarks" / "accuracy.py", "accuracy_driver")


def started(*threads):
    for thread in threads:
        thread.daemon = True  # a scheduling bug fails the test instead of hanging the suite
        thread.start()
        time.sleep(0.02)  # in this order
    return threads


def test_slots_bound_commands_and_serve_the_lowest_priority_first(driver):
    slots, order, live, peak, lock = driver.Slots(2), [], [0], [0], threading.Lock()

    def command(name, priority, seconds):
        with slots.take(priority):
            with lock:
                order.append(name)
                live[0] += 1
                peak[0] = max(peak[0], live[0])
            time.sleep(seconds)
            with lock:
                live[0] -= 1

    first = started(*(threading.Thread(target=command, args=(f"busy{i}", 1, 0.3)) for i in range(2)))
    waiting = started(*(threading.Thread(target=command, args=(name, priority, 0.05))
                        for name, priority in [("run1", 1), ("run2", 1), ("mlp1", 0), ("mlp2", 0)]))
    for thread in first + waiting:
        thread.join()
    assert order == ["busy0", "busy1", "mlp1", "mlp2", "run1", "run2"]
    assert peak[0] == 2 and slots.free == 2 and not slots.waiting


def test_a_thread_runs_its_commands_in_the_slot_it_holds(driver):
    slots, order = driver.Slots(1), []

    def run(name):  # a training and its features, as one_run does
        with slots.take(1):
            for step in ("train", "generate"):
                with slots.take(0):  # would wait forever for a second slot of one
                    order.append(f"{name}:{step}")
                    time.sleep(0.05)

    threads = started(threading.Thread(target=run, args=("a",)), threading.Thread(target=run, args=("b",)))
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert order == ["a:train", "a:generate", "b:train", "b:generate"]


def test_summary_reads_every_row_on_disk(driver, tmp_path, capsys):
    rows = [dict(dataset="esc10", protocol="inductive", setup="predictive", features="layers", clip="-60", seed=seed,
                 accuracy=accuracy, uar=accuracy, train_seconds=10.0) for seed, accuracy in [(1, 0.88), (2, 0.86)]]
    driver.Table(tmp_path / "results.csv").add(rows[0])
    driver.Table(tmp_path / "results.csv").add(rows[1])  # another driver's row
    driver.summarise(tmp_path)
    summary = list(csv.DictReader(open(tmp_path / "summary.csv")))
    assert len(summary) == 1 and summary[0]["seeds"] == "2" and summary[0]["accuracy_mean"] == "0.8700"
    assert float(summary[0]["accuracy_std"]) == pytest.approx(0.01414, abs=1e-4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "summary.csv"]
    assert "87.0 ± 1.4 (2)" in capsys.readouterr().out


def test_a_setup_runs_only_on_the_data_sets_it_fits(driver):
    jobs = driver.plan(["esc10", "speech"], ["control", "predictive", "augmented"], ["inductive"], [2])
    assert jobs == [("esc10", "predictive", "inductive", 2), ("esc10", "augmented", "inductive", 2),
                    ("speech", "predictive", "inductive", 2)]


def test_every_setup_is_a_valid_training_and_read_out(driver):
    """A renamed flag or an out-of-range value in a setup fails here, not hours into a benchmark."""
    from audeep.cli.autoencoders import TRaeTrain
    from audeep.cli.options import params_from_args
    from audeep.models.corruption import CorruptionConfig
    from audeep.models.readouts import canonical_readouts

    parser = TRaeTrain(None, None).get_parser("audeep t-rae train")
    for name, setup in driver.SETUPS.items():
        for data in setup.get("data", driver.DATASETS):
            argv = ["--input", "x.nc", "--run-name", "r", *setup["train"], *driver.DATASETS[data]["train"]]
            args = parser.parse_args([str(flag) for flag in argv])  # argparse exits on a bad flag
            CorruptionConfig(**params_from_args(CorruptionConfig, args))
        for features in setup["features"]:
            assert canonical_readouts(features), name
    assert driver.SETUPS["shifted"]["train"][-2:] == ["--time-shift", "62"]
