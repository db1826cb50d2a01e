"""Bad inputs (issue 19, data side): every one ends in a clear line, nothing lost, nothing left behind.

Each test builds its bad input in ``tmp_path`` (synthetic audio, cut files, damaged netCDF files),
runs the command as a user would (in-process CLI) and checks the exit status, the one ``error:``
line naming the file or option, that no traceback is printed and that no output is left behind.
"""

import csv
import os
import stat

import numpy as np
import pytest
import soundfile
from conftest import tone, write_wav

from audeep.dataset import DataSet
from audeep.errors import AudioError, DataSetError, ParameterError
from audeep.preprocessing.extract import spectrogram_from_file
from audeep.preprocessing.spectrogram import db_spectrogram, scale_unit

RATE = 16000
SPEC = ("--window-width", "0.02", "--window-overlap", "0.01", "--mel-spectrum", "8")


def one_error(result, *names) -> str:
    """The one ``error:`` line of a failed command; it names every one of ``names``."""
    assert result.status not in (0, None), result
    text = result.stdout + result.stderr
    assert "Traceback" not in text, result
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result
    for name in names:
        assert str(name) in errors[0], errors[0]
    return errors[0]


def collection(root, **signals):
    """Write WAV files ``name.wav`` of the given signals under ``root``; returns ``root``."""
    for name, signal in signals.items():
        write_wav(root / f"{name}.wav", signal, RATE)
    return root


def preprocess(cli, basedir, output, *extra):
    return cli("preprocess", "--basedir", basedir, "--parser", "no_metadata", "--output", output, *SPEC, *extra)


# ----------------------------------------------------------------------------------
# audio
# ----------------------------------------------------------------------------------

def test_loud_float_wav_gives_the_spectrogram_of_the_same_signal_at_ordinary_level(cli, tmp_path, caplog):
    signal = tone(1.0, seed=3)
    loud = (signal * 3e29).astype(np.float32)
    assert np.isfinite(loud).all() and float(np.abs(loud).max()) ** 2 > float(np.finfo(np.float32).max)  # overflow
    (tmp_path / "col").mkdir()
    soundfile.write(tmp_path / "col" / "loud.wav", loud, RATE, subtype="FLOAT")
    for precision in ("float32", "float64"):
        got = spectrogram_from_file(tmp_path / "col" / "loud.wav", window_width=0.02, window_overlap=0.01,
                                    mel_bands=8, precision=precision)
        db = db_spectrogram(loud.astype(np.float64) * 1e-29, sample_rate=RATE, window_width=0.02,
                            window_overlap=0.01, mel_bands=8, dtype=np.dtype(precision))
        assert np.ptp(db) > 30  # the scaled-down signal's spectrogram is not a constant "silent" one
        np.testing.assert_allclose(got, scale_unit(db), atol=1e-5)
    res = preprocess(cli, tmp_path / "col", tmp_path / "out.nc")
    assert res.status == 0, res
    assert "silent" not in res.stderr and "silent" not in caplog.text
    with DataSet.open(tmp_path / "out.nc") as ds:
        feats = ds.load_features()
    assert np.isfinite(feats).all() and feats.min() == -1 and feats.max() == 1
    with pytest.raises(AudioError, match="infinite samples"):
        db_spectrogram(np.array([0.0, np.inf] * 400), sample_rate=RATE, window_width=0.02, window_overlap=0.01)


def test_writer_refuses_non_finite_features_and_leaves_nothing(tmp_path):
    feats = np.zeros((3, 4, 2), np.float32)
    feats[1, 2, 0] = np.nan
    out = tmp_path / "nan.nc"
    with pytest.raises(DataSetError, match="instance 1 \\('b.wav'\\) has NaN"):
        DataSet.create(features=feats, filenames=["a.wav", "b.wav", "c.wav"]).save(out)
    assert list(tmp_path.iterdir()) == []  # no file, no temporary left behind


def _cut(path, fraction=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def test_truncated_wav_and_ogg_are_named_with_what_the_header_promised(cli, tmp_path):
    root = collection(tmp_path / "col", whole=tone(1.0), cut=tone(1.0, freq=660))
    soundfile.write(root / "cut.ogg", tone(6.0, freq=880), RATE)  # half of it still decodes
    soundfile.write(root / "whole.ogg", tone(1.0, freq=990), RATE)
    _cut(root / "cut.wav")
    _cut(root / "cut.ogg")
    res = preprocess(cli, root, tmp_path / "out.nc")
    assert res.status == 0, res
    lines = [line for line in res.stderr.splitlines() if "cut short" in line]
    assert len(lines) == 2, res
    wav = next(line for line in lines if "cut.wav" in line)
    assert "promises 16000 frames (1.000 s)" in wav and "holds 7989" in wav
    assert any("cut.ogg" in line and "no end" in line for line in lines)
    assert "whole." not in " ".join(lines)
    with DataSet.open(tmp_path / "out.nc") as ds:
        assert sorted(ds.filenames) == ["cut.ogg", "cut.wav", "whole.ogg", "whole.wav"]  # nothing lost
    _cut(root / "whole.ogg")  # so short that nothing of it decodes: a bad file, named
    res = preprocess(cli, root, tmp_path / "again.nc")
    one_error(res, root / "whole.ogg", "contains no samples", "cut short")
    assert not (tmp_path / "again.nc").exists()


def test_bogus_header_rate_and_resample_rate_are_refused(cli, tmp_path):
    root = collection(tmp_path / "col", good=tone(1.0), bogus=tone(1.0))
    header = bytearray((root / "bogus.wav").read_bytes())
    header[24:28] = (1).to_bytes(4, "little")  # sample rate 1 Hz
    header[28:32] = (2).to_bytes(4, "little")  # byte rate
    (root / "bogus.wav").write_bytes(bytes(header))
    out = tmp_path / "out.nc"
    res = preprocess(cli, root, out, "--resample", "16000")
    one_error(res, root / "bogus.wav", "1 Hz")
    assert not out.exists()
    res = preprocess(cli, root, out, "--resample", "1")
    one_error(res, "--resample", "1 Hz")
    res = preprocess(cli, root, out, "--resample", "16000", "--skip-bad-files")
    assert res.status == 0 and "bogus.wav" in res.stderr, res
    with DataSet.open(out) as ds:
        assert list(ds.filenames) == ["good.wav"]
    with pytest.raises(ParameterError, match="resample_rate: sample rate 800000 Hz"):
        from audeep.preprocessing.audio import load_signal

        load_signal(root / "good.wav", resample_rate=800000)


# ----------------------------------------------------------------------------------
# data set files
# ----------------------------------------------------------------------------------

def _with_lengths(path, lengths):
    DataSet.create(features=np.zeros((len(lengths), 5, 2), np.float32),
                   filenames=[f"f{i}.wav" for i in range(len(lengths))], lengths=[5] * len(lengths)).save(path)
    import netCDF4  # the writer refuses bad lengths: damage the file as another tool would

    with netCDF4.Dataset(path, "a") as nc:
        nc["length"][:] = np.asarray(lengths, np.int32)
    return path


def test_lengths_outside_the_time_steps_fail_validate_and_are_refused(cli, tmp_path):
    path = _with_lengths(tmp_path / "neg.nc", [5, -3, 2, 9])
    res = cli("validate", "--input", path)
    assert res.status == 1 and "Traceback" not in res.stdout + res.stderr, res
    assert "FAIL" in res.stdout and "instance 1 ('f1.wav') is -3: expected 1..5" in res.stdout.replace("\n", "")
    one_error(cli("export", "--input", path, "--output", tmp_path / "exp", "--format", "csv"), path, "'f1.wav'", "-3")
    assert not (tmp_path / "exp").exists()
    with pytest.raises(DataSetError, match="'length' of instance 3 \\('f3.wav'\\) is 9: expected 1..5"):
        DataSet.create(features=np.zeros((4, 5, 2)), filenames=["f0", "f1", "f2", "f3.wav"], lengths=[5, 1, 2, 9])
    with pytest.raises(DataSetError, match="is 0"):
        with DataSet.create(features=np.zeros((1, 5, 2)), filenames=["a"], lengths=[5]) as ds:
            ds.with_features(np.zeros((1, 5, 2)), feature_dims=("time", "freq"), lengths=[0])


def test_missing_nominal_labels_are_none_and_pass_validate(cli, tmp_path):
    root = collection(tmp_path / "col", **{f"c{i}": tone(0.2, freq=300 + 50 * i, seed=i) for i in range(8)})
    with open(root / "labels.csv", "w", newline="") as handle:
        rows = [("filename", "label")] + [(f"c{i}.wav", "" if i % 2 else ("dog", "cat")[i % 4 // 2])
                                          for i in range(8)]
        csv.writer(handle).writerows(rows)
    out = tmp_path / "out.nc"
    res = cli("preprocess", "--basedir", root, "--parser", "csv", "--output", out, *SPEC)
    assert res.status == 0, res
    with DataSet.open(out) as ds:
        assert [ds.labels_nominal[list(ds.filenames).index(f"c{i}.wav")] for i in range(8)] == \
            ["dog", None, "cat", None, "dog", None, "cat", None]
        assert ds.validate() == []
    res = cli("validate", "--input", out)
    assert res.status == 0 and "FAIL" not in res.stdout, res


def test_bit_rotted_netcdf_is_a_failing_validate_row_and_one_line_elsewhere(cli, tmp_path):
    rng = np.random.default_rng(0)
    path = DataSet.create(features=rng.normal(size=(300, 40, 20)), filenames=[f"f{i}.wav" for i in range(300)],
                          labels_nominal=["a", "b"] * 150).save(tmp_path / "rot.nc")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 512] = bytes(512)
    path.write_bytes(bytes(data))
    res = cli("validate", "--input", path)
    assert res.status == 1 and "Traceback" not in res.stdout + res.stderr, res
    row = next(line for line in res.stdout.splitlines() if "readable-features" in line)
    assert "FAIL" in row and str(path) in res.stdout
    one_error(cli("export", "--input", path, "--output", tmp_path / "exp", "--format", "csv"), path, "damaged")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rot.nc"]  # no export, no temporary folder


def test_zero_length_time_axis_is_refused_on_open(cli, tmp_path):
    import netCDF4

    path = tmp_path / "empty.nc"
    with netCDF4.Dataset(path, "w") as nc:
        for name, size in (("instance", 2), ("fold", 0), ("time", 0), ("freq", 3)):
            nc.createDimension(name, size)
        nc.createVariable("filename", str, ("instance",))[:] = np.array(["a.wav", "b.wav"], dtype=object)
        nc.createVariable("features", "f4", ("instance", "time", "freq"))
    res = cli("validate", "--input", path)
    assert res.status == 1 and "FAIL" in res.stdout and "'time' has length 0" in res.stdout, res
    one_error(cli("inspect", "netcdf", "--input", path), path, "'time' has length 0")
    with pytest.raises(DataSetError, match="'time' has length 0"):
        DataSet.create(features=np.zeros((2, 0, 3)), filenames=["a", "b"])


# ----------------------------------------------------------------------------------
# CSV metadata and CSV export
# ----------------------------------------------------------------------------------

def _csv_collection(root, text: str, encoding: str):
    collection(root / "audio", **{"é1": tone(0.2), "x2": tone(0.2, freq=550)})
    (root / "labels.csv").write_bytes(text.encode(encoding))
    return root


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1"])
def test_csv_with_byte_order_mark_or_latin1_is_read(cli, tmp_path, encoding):
    root = _csv_collection(tmp_path / "col", "filename,label\naudio/é1.wav,café\naudio/x2.wav,thé\n", encoding)
    out = tmp_path / "out.nc"
    res = cli("preprocess", "--basedir", root, "--parser", "csv", "--output", out, *SPEC)
    assert res.status == 0, res
    assert ("labels.csv is not UTF-8 (byte 21): reading it as Latin-1" in res.stderr) == (encoding == "latin-1")
    with DataSet.open(out) as ds:
        assert sorted(zip(ds.filenames, ds.labels_nominal)) == [("audio/x2.wav", "thé"), ("audio/é1.wav", "café")]


@pytest.mark.parametrize("name", ["../outside.wav", "{outside}"])
def test_csv_paths_outside_basedir_are_refused(cli, tmp_path, name):
    write_wav(tmp_path / "outside.wav", tone(0.2), RATE)
    name = name.format(outside=tmp_path / "outside.wav")
    root = _csv_collection(tmp_path / "col", f"filename,label\naudio/x2.wav,a\n{name},b\n", "utf-8")
    out = tmp_path / "out.nc"
    res = cli("preprocess", "--basedir", root, "--parser", "csv", "--output", out, *SPEC)
    one_error(res, "labels.csv line 3", repr(name), "outside the base folder")
    assert not out.exists()


def test_csv_same_file_under_two_names_is_refused_naming_both_rows(cli, tmp_path):
    text = "filename,label,fold\naudio/x2.wav,a,1\naudio/é1.wav,b,1\naudio/../audio/x2.wav,a,2\n"
    root = _csv_collection(tmp_path / "col", text, "utf-8")
    out = tmp_path / "out.nc"
    res = cli("preprocess", "--basedir", root, "--parser", "csv", "--output", out, *SPEC)
    one_error(res, "lines 2 ('audio/x2.wav') and 4 ('audio/../audio/x2.wav')", "audio/x2.wav")
    assert not out.exists()


def test_csv_export_quotes_newlines_neutralises_formulas_and_round_trips(cli, tmp_path):
    names = ["a\nb.wav", "=HYPERLINK(1).wav", "'=quoted.wav", "+x.wav", "plain.wav"]
    labels = ["-1", "@SUM(A1)", "ok", "=cmd|' /C calc'!A0", "'-lead"]
    feats = -np.arange(10, dtype=np.float32).reshape(5, 2) - 0.5
    path = DataSet.create(features=feats, filenames=names, labels_nominal=labels).save(tmp_path / "in.nc")
    old = os.umask(0o027)
    try:
        res = cli("export", "--input", path, "--output", tmp_path / "exp", "--format", "csv", "--name", "t")
    finally:
        os.umask(old)
    assert res.status == 0, res
    assert stat.S_IMODE((tmp_path / "exp").stat().st_mode) == 0o750
    with open(tmp_path / "exp" / "t.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 6
    cells = [cell for row in rows[1:] for cell in (row[0], row[2])]
    assert not [c for c in cells if c[:1] in "=+-@"], cells  # no text cell starts a formula
    assert rows[1][4] == "-0.5" and rows[2][0] == "'=HYPERLINK(1).wav"  # numbers stay numbers
    res = cli("import", "--basedir", tmp_path / "exp", "--name", "t", "--output", tmp_path / "back.nc")
    assert res.status == 0, res
    with DataSet.open(tmp_path / "back.nc") as back:
        order = [list(back.filenames).index(n) for n in names]
        assert list(back.filenames[order]) == names and list(back.labels_nominal[order]) == labels
        np.testing.assert_array_equal(back.load_features()[order], feats)


# ----------------------------------------------------------------------------------
# custom parsers
# ----------------------------------------------------------------------------------

PARSER = '''
from audeep.preprocessing.parsers import Parser, InstanceMetadata


class {name}(Parser):
    def can_parse(self):
        return True

    def parse(self):
        {body}
'''


@pytest.mark.parametrize("name, body, expected", [
    ("Raising", "return [][0]", "parser Raising: parse() raised IndexError"),
    ("NoneParser", "return None", "parser NoneParser: parse() returned a NoneType: expected a list of "
                                  "InstanceMetadata"),
    ("Paths", "return [str(self.basedir / 'a.wav')]", "parser Paths: parse() returned a str as record 0: "
                                                       "expected InstanceMetadata"),
])
def test_custom_parser_failures_are_one_line_naming_the_class(cli, tmp_path, name, body, expected):
    root = collection(tmp_path / "col", a=tone(0.2))
    (tmp_path / "mine.py").write_text(PARSER.format(name=name, body=body))
    out = tmp_path / "out.nc"
    res = cli("preprocess", "--basedir", root, "--parser", f"{tmp_path / 'mine.py'}:{name}", "--output", out, *SPEC)
    one_error(res, expected)
    assert not out.exists()
