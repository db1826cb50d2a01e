"""Hand-crafted control features of a spectrogram data set: per-band or MFCC mean and std over time.

    python benchmarks/control_features.py --input spectrograms-60.nc --output control-60.nc
    python benchmarks/control_features.py --kind mfcc --input spectrograms-60.nc --output mfcc-60.nc

``bands`` (the default): mean and standard deviation over time of every frequency band of
the spectrograms, [instance, 2 * freq].  ``mfcc``: mean and standard deviation over time of
librosa's MFCCs (``--n-mfcc``, default 20), [instance, 2 * n_mfcc], computed from the audio
files the data set was made from (its recorded ``basedir``, listed by its recorded parser), read the way
``preprocess`` read them (channels, resampling, fixed length, centring) and framed with the
data set's window and hop (``n_fft`` = window samples, no centre padding), with as many mel
bands as the data set (librosa's 128 for linear spectrograms) on the HTK mel scale, as
``preprocess``.  Chunked data sets are refused: the controls are per file.

The output has the input's metadata; evaluate it with the same ``audeep mlp evaluate`` as the
learned features (the ESC-10 accuracy table's controls).
"""

import argparse
import json
import sys
import numpy as np

from audeep.dataset import DataSet
from audeep.errors import AudeepError, DataSetError, ParameterError

KINDS = ("bands", "mfcc")


def band_statistics(dataset: DataSet) -> np.ndarray:
    """Mean and standard deviation over time of every frequency band, [instance, 2 * freq]."""
    rows = []
    lengths = dataset.lengths
    for idx, block in dataset.iter_batches(batch_size=256):
        if lengths is not None:
            mask = (np.arange(block.shape[1])[None, :] < lengths[idx][:, None])[:, :, None]
            count = mask.sum(axis=1)
            mean = (block * mask).sum(axis=1) / count
            std = np.sqrt((np.square(block - mean[:, None]) * mask).sum(axis=1) / count)
        else:
            mean, std = block.mean(axis=1), block.std(axis=1)
        rows.append(np.concatenate([mean, std], axis=1))
    return np.concatenate(rows).astype(np.float32)


def preprocessing_of(dataset: DataSet) -> dict:
    """The ``preprocess`` parameters a data set records (``basedir``, sample rate, windows, ...)."""
    name = dataset.path or "the data set"
    try:
        parameters = json.loads(dataset.attrs.get("parameters") or "{}")
    except ValueError:
        parameters = {}
    if dataset.attrs.get("command") != "preprocess" or "basedir" not in parameters:
        raise DataSetError(f"{name}: not made by `audeep preprocess` (no recorded basedir and spectrogram "
                           "parameters): the MFCC control needs the audio files and their preprocessing")
    if parameters.get("chunk_length") or parameters.get("chunk_count") or np.any(dataset.chunk_nrs != 0):
        raise DataSetError(f"{name}: a chunked data set; the controls are per file: use the unchunked spectrograms")
    return parameters


def mfcc_parameters(parameters: dict, *, n_mfcc: int) -> dict:
    """Keyword arguments of ``librosa.feature.mfcc`` for a data set's recorded preprocessing."""
    n_mels = parameters.get("mel_bands") or 128
    if n_mfcc > n_mels:
        raise ParameterError(f"n_mfcc {n_mfcc}: the data set has {n_mels} mel bands; expected at most {n_mels} "
                             "MFCCs", parameter="n_mfcc")
    sample_rate = int(parameters["sample_rate"])
    width = int(sample_rate * parameters["window_width"])
    hop = width - int(sample_rate * parameters["window_overlap"])
    return {"sr": sample_rate, "n_mfcc": n_mfcc, "n_fft": width, "hop_length": hop, "center": False,
            "window": "hann", "n_mels": n_mels, "htk": True}


def file_mfcc(path, parameters: dict, *, n_mfcc: int) -> np.ndarray:
    """The MFCCs of one file read as ``preprocess`` read it, [n_mfcc, frames]."""
    import librosa

    from audeep.preprocessing.audio import load_signal

    signal, _ = load_signal(path, channels=parameters.get("channels") or "MEAN",
                            resample_rate=parameters.get("resample"), fixed_length=parameters.get("fixed_length"),
                            center_fixed=bool(parameters.get("center_fixed")))
    return librosa.feature.mfcc(y=np.asarray(signal, np.float32), **mfcc_parameters(parameters, n_mfcc=n_mfcc))


def mfcc_statistics(dataset: DataSet, *, n_mfcc: int = 20) -> np.ndarray:
    """Mean and standard deviation over time of the MFCCs of every file, [instance, 2 * n_mfcc]."""
    from audeep.preprocessing.parsers import parse_collection

    parameters = preprocessing_of(dataset)
    mfcc_parameters(parameters, n_mfcc=n_mfcc)  # checked before any file is read
    _, records, _ = parse_collection(parameters["basedir"], parser=parameters.get("parser"))
    paths = {record.filename: record.path for record in records}  # the instance key -> its audio file
    rows = []
    for filename in dataset.filenames.astype(str):
        if filename not in paths:
            raise DataSetError(f"{filename}: no such file in {parameters['basedir']} (parser "
                               f"{parameters.get('parser')}): the audio files moved or changed")
        coefficients = file_mfcc(paths[filename], parameters, n_mfcc=n_mfcc)
        rows.append(np.concatenate([coefficients.mean(axis=1), coefficients.std(axis=1)]))
    return np.asarray(rows, np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--kind", choices=KINDS, default="bands",
                        help="bands: per-band mean and std of the spectrograms; mfcc: MFCC mean and std of the "
                             "audio files (default: bands)")
    parser.add_argument("--n-mfcc", type=int, default=20, metavar="N", help="MFCCs per frame (default: 20)")
    args = parser.parse_args()
    if args.n_mfcc < 1:
        parser.error(f"--n-mfcc {args.n_mfcc}: expected a positive integer")
    parameters = {"input": args.input}
    try:
        with DataSet.open(args.input) as spectrograms:
            if args.kind == "mfcc":
                features = mfcc_statistics(spectrograms, n_mfcc=args.n_mfcc)
                parameters.update(kind="mfcc", n_mfcc=args.n_mfcc)
            else:
                features = band_statistics(spectrograms)
            spectrograms.with_features(features).set_provenance(
                command="benchmarks/control_features.py", parameters=parameters).save(args.output)
    except AudeepError as exc:
        sys.exit(f"error: {exc}")
    print(f"wrote {features.shape[0]} x {features.shape[1]} control features to {args.output}")


if __name__ == "__main__":
    main()
