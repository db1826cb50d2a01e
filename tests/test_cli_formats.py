"""One output convention: every command reports what it wrote through cliff's formatters (``-f``)."""

import csv
import io
import json

import numpy as np
import pytest
from conftest import make_dataset, tone, write_wav

from audeep.dataset import DataSet


@pytest.fixture
def files(tmp_path):
    """Two data sets of the same 16 instances (8 files x 2 chunks), 1-D features, folds and partitions."""
    make_dataset(num_files=8, num_chunks=2, shape=(3,), seed=1).save(tmp_path / "a.nc")
    make_dataset(num_files=8, num_chunks=2, shape=(2,), seed=2).save(tmp_path / "b.nc")
    return tmp_path


def _json(result):
    assert result.status == 0, result
    return json.loads(result.stdout)


def test_data_set_commands_print_json_records(cli, files):
    out = files / "m.nc"
    info = _json(cli("modify", "--input", files / "a.nc", "--output", out, "--add-cv-setup", "4", "-f", "json"))
    assert info == {"output": str(out), "instances": 16, "files": 8, "feature shape": "3"}
    with DataSet.open(out) as written:
        assert written.num_folds == 4

    info = _json(cli("fuse", "--input", files / "a.nc", files / "b.nc", "--output", files / "f.nc", "-f", "json"))
    assert info["feature shape"] == "5" and info["instances"] == 16

    info = _json(cli("fuse", "chunks", "--input", files / "a.nc", "--output", files / "c.nc", "-f", "json"))
    assert info["feature shape"] == "6" and info["instances"] == 8 and info["files"] == 8

    info = _json(cli("upsample", "--input", files / "a.nc", "--output", files / "u.nc", "-f", "json"))
    with DataSet.open(files / "u.nc") as up:
        assert info["instances"] == up.num_instances == 16  # balanced already: 4 files of a, 4 of b

    r = cli("visualize", "tsne", "--input", files / "a.nc", "--output", files / "t.png", "--perplexity", "5",
            "-f", "json")
    info = _json(r)
    assert info["output"] == str(files / "t.png") and info["instances"] == 16 and info["perplexity"] == 5
    assert (files / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_export_format_and_formatter_f_are_two_options(cli, files, capsys):
    """``export --format CSV`` is the original's table format; ``-f json`` the output formatter."""
    out = files / "export"
    info = _json(cli("export", "--input", files / "a.nc", "--output", out, "--format", "arff", "-f", "json"))
    assert info == {"output": str(out), "format": "ARFF", "tables": 6, "instances": 16, "features": 3}
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.arff"))
    assert written == [f"{part}/fold_{k}/a.arff" for part in ("devel", "test", "train") for k in (1, 2)]

    # the formatter has only -f here: --format takes the table format
    r = cli("export", "--input", files / "a.nc", "--output", files / "e2", "--format", "json")
    assert r.status == 2 and "--format: invalid choice: 'JSON'" in capsys.readouterr().err

    info = _json(cli("import", "--basedir", out, "--name", "a", "--output", files / "i.nc", "--format", "ARFF",
                     "-f", "json"))
    assert info["instances"] == 16 and info["feature shape"] == "3"


def test_show_commands_write_csv(cli, files):
    """cliff offers csv only for tables; every record command writes a one-row CSV table too."""
    r = cli("inspect", "netcdf", "--input", files / "a.nc", "-f", "csv")
    assert r.status == 0, r
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert len(rows) == 2 and rows[0][:2] == ["file", "instances"] and rows[1][1] == "16"

    r = cli("modify", "--input", files / "a.nc", "--output", files / "m.nc", "--remove-cv-setup", "-f", "csv",
            "-c", "instances", "-c", "output")
    assert r.status == 0, r
    assert list(csv.reader(io.StringIO(r.stdout))) == [["output", "instances"], [str(files / "m.nc"), "16"]]


def test_predict_and_evaluate_report_through_formatters(cli, files):
    info = _json(cli("svm", "predict", "--train-input", files / "a.nc", "--eval-input", files / "a.nc",
                     "--output", files / "p.csv", "--complexity", "1", "--majority-vote", "-f", "json"))
    assert info == {"output": str(files / "p.csv"), "predictions": 8, "files": 8, "learner": "svm"}

    results = files / "results.csv"
    r = cli("svm", "evaluate", "--input", files / "a.nc", "--cross-validate", "--complexity", "1",
            "--show-confusion-matrix", "--results", results, "-f", "json")
    rows = _json(r)
    assert "evaluate: 2/2 folds (100%)" in r.stderr  # progress: a log record off a terminal
    # rows: true class; columns: predicted class; every instance of the 2 folds counted once
    assert [r["true"] for r in rows] == ["a", "b"]
    matrix = np.array([[r["a"], r["b"]] for r in rows])
    assert matrix.sum() == 16
    with open(results, newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    stored = json.loads(row["confusion_matrix"])
    assert stored["classes"] == ["a", "b"] and np.array_equal(stored["counts"], matrix)
    # the accuracy of the scores equals the confusion matrix's diagonal share (2 folds of 8 instances each)
    assert float(row["accuracy"]) == pytest.approx(np.trace(matrix) / matrix.sum())


def test_preprocess_inspect_raw_and_validate_print_json(cli, tmp_path):
    for label, freq in (("low", 300.0), ("high", 3000.0)):
        for i in range(2):
            write_wav(tmp_path / "audio" / label / f"{label}{i}.wav", tone(0.3, freq=freq, seed=i))
    (tmp_path / "audio" / "labels.csv").write_text(
        "filename,label\n" + "".join(f"{lab}/{lab}{i}.wav,{lab}\n" for lab in ("low", "high") for i in range(2)))
    raw = _json(cli("inspect", "raw", "--basedir", tmp_path / "audio", "--parser", "csv", "-f", "json"))
    assert raw["files"] == 4 and raw["label names"] == "high, low"
    out = tmp_path / "s.nc"
    info = _json(cli("preprocess", "--basedir", tmp_path / "audio", "--parser", "csv", "--output", out,
                     "--mel-spectrum", "8", "--fixed-length", "0.3", "-f", "json"))
    assert info["instances"] == 4 and info["output"] == str(out)
    rows = _json(cli("validate", "--input", out, "-f", "json"))
    assert {r["status"] for r in rows} == {"PASS"}
    described = _json(cli("inspect", "netcdf", "--input", out, "-f", "json"))
    # the same label order as inspect raw (label ids), and the preprocessing parameters stored in the file
    assert described["classes"] == raw["label names"]
    parameters = json.loads(described["parameters"])
    assert parameters["mel_bands"] == 8 and parameters["fixed_length"] == 0.3
