"""Installation of audeep: ``pip install -e ".[test]"`` (add ``gpu`` for CUDA, ``tensorboard`` for TensorBoard,
``dask`` for ``--scheduler``)."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(r'__version__ = "([^"]+)"', (HERE / "audeep" / "__init__.py").read_text()).group(1)

# every command: entry point name (underscore = space on the command line) -> class
COMMANDS = {
    "inspect_netcdf": "audeep.cli.inspect:InspectNetCDF",
    "inspect_raw": "audeep.cli.preprocess:InspectRaw",
    "validate": "audeep.cli.validate:Validate",
    "preprocess": "audeep.cli.preprocess:Preprocess",
    "t-rae_train": "audeep.cli.autoencoders:TRaeTrain",
    "t-rae_generate": "audeep.cli.autoencoders:TRaeGenerate",
    "f-rae_train": "audeep.cli.autoencoders:FRaeTrain",
    "f-rae_generate": "audeep.cli.autoencoders:FRaeGenerate",
    "ft-rae_train": "audeep.cli.autoencoders:FtRaeTrain",
    "ft-rae_generate": "audeep.cli.autoencoders:FtRaeGenerate",
    "mlp_evaluate": "audeep.cli.evaluate:MLPEvaluate",
    "svm_evaluate": "audeep.cli.evaluate:SVMEvaluate",
    "mlp_predict": "audeep.cli.evaluate:MLPPredict",
    "svm_predict": "audeep.cli.evaluate:SVMPredict",
    "modify": "audeep.cli.datasets:Modify",
    "fuse": "audeep.cli.datasets:Fuse",
    "fuse_chunks": "audeep.cli.datasets:FuseChunks",
    "upsample": "audeep.cli.datasets:Upsample",
    "export": "audeep.cli.datasets:Export",
    "import": "audeep.cli.datasets:Import",
    "visualize_tsne": "audeep.cli.datasets:VisualizeTSNE",
    "demo": "audeep.cli.demo:Demo",
    "extract": "audeep.cli.extract:Extract",
    "sweep": "audeep.cli.sweep:Sweep",
}

setup(
    name="audeep",
    version=VERSION,
    description="Unsupervised representation learning from audio with recurrent sequence-to-sequence autoencoders",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["audeep", "audeep.*"]),
    python_requires=">=3.10",
    install_requires=[
        "tensorflow>=2.16",  # Keras 3
        "keras>=3.0",
        "numpy>=1.24",
        "scipy>=1.10",
        "librosa>=0.10",
        "pandas>=2.0",
        "xarray>=2023.1",
        "netCDF4>=1.6",
        "liac-arff>=2.5",
        "scikit-learn>=1.3",
        "cliff>=4.0",
        "matplotlib>=3.7",
        "soundfile>=0.12",
        "tqdm>=4.60",
    ],
    extras_require={
        "test": ["pytest>=7", "pytest-xdist>=3", "ruff>=0.4", "pyarrow>=10", "dask[distributed]>=2023.1"],
        "dask": ["dask[distributed]>=2023.1"],  # --scheduler: preprocess, extract, generate, sweep on a Dask cluster
        "parquet": ["pyarrow>=10"],
        "gpu": ["tensorflow[and-cuda]>=2.16"],
        "tensorboard": ["tensorboard>=2.16"],  # to view a run's logs/: tensorboard --logdir RUN
    },
    entry_points={
        "console_scripts": ["audeep = audeep.cli.app:console_main"],
        "audeep.commands": [f"{name} = {target}" for name, target in COMMANDS.items()],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Multimedia :: Sound/Audio :: Analysis",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
