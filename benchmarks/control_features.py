"""Hand-crafted control features from a spectrogram data set: per-band mean and std over time.

    python benchmarks/control_features.py --input spectrograms-60.nc --output control-60.nc

The output has the input's metadata and features [instance, 2 * freq]; evaluate it with the
same ``audeep mlp evaluate`` as the learned features (the ESC-10 accuracy table's control).
"""

import argparse

import numpy as np

from audeep.dataset import DataSet


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    with DataSet.open(args.input) as spectrograms:
        features = band_statistics(spectrograms)
        spectrograms.with_features(features).set_provenance(
            command="benchmarks/control_features.py", parameters={"input": args.input}).save(args.output)
    print(f"wrote {features.shape[0]} x {features.shape[1]} control features to {args.output}")


if __name__ == "__main__":
    main()
