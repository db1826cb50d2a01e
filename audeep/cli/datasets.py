"""Data-set tools: ``modify``, ``fuse``, ``fuse chunks``, ``upsample``, ``export``, ``import``,
``visualize tsne``.  Each command parses options and calls :mod:`audeep.dataset.transforms`
(through :class:`~audeep.dataset.DataSet` methods), :mod:`audeep.dataset.tables`,
:mod:`audeep.dataset.tables_import` or :mod:`audeep.plotting`."""

import logging
from pathlib import Path
from typing import ClassVar

import numpy as np

from audeep.cli.options import (
    ShowOne,
    add_input,
    add_output,
    add_partitions,
    add_seed,
    dataset_record,
    own_format_option,
    positive_int,
    record,
)
from audeep.dataset import DataSet

LOG = logging.getLogger(__name__)


#: argparse destinations of cliff's formatter options (not parameters of the command)
_FORMATTER_DESTS = ("formatter", "columns", "cmd", "quote_mode", "noindent", "print_empty", "max_width",
                    "fit_width", "sort_columns", "sort_direction", "prefix", "variables")


def _save(dataset: DataSet, path, *, command: str, parsed_args) -> tuple:
    """Save ``dataset`` with its provenance; the record of what was written."""
    parameters = {k: v for k, v in vars(parsed_args).items()
                  if k not in _FORMATTER_DESTS and not k.startswith("_")}
    dataset.set_provenance(command=command, parameters=parameters)
    dataset.save(path)
    LOG.info("wrote %d instances to %s", dataset.num_instances, path)
    return dataset_record(dataset, path)


def _transform(parsed_args, command: str, function) -> tuple:
    """Open ``--input``, apply ``function(dataset)`` and save the result to ``--output``."""
    with DataSet.open(parsed_args.input) as dataset:
        return _save(function(dataset), parsed_args.output, command=command, parsed_args=parsed_args)


def _add_dimension(parser) -> None:
    parser.add_argument("--dimension", default="generated", metavar="DIM",
                        help="the feature dimension to concatenate along (default: generated)")


class Modify(ShowOne):
    """Add or remove a cross-validation setup or a partitioning (stratified, files kept together)."""

    parameter_flags: ClassVar[dict] = {"num_folds": "--add-cv-setup", "partitions": "--add-partitioning"}
    output_dests: ClassVar[tuple] = ()  # the output may be the input (an atomic in-place edit)

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser)
        add_output(parser, help="the modified data set file (may be the input)")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--add-cv-setup", type=positive_int, metavar="N",
                           help="add N cross-validation folds (replacing any old setup)")
        group.add_argument("--remove-cv-setup", action="store_true", help="remove the folds")
        group.add_argument("--add-partitioning", nargs="+", metavar="PARTITION",
                           type=lambda v: v.strip().lower(), choices=["train", "devel", "test"],
                           help="split the files into these partitions, in equal shares")
        group.add_argument("--remove-partitioning", action="store_true", help="remove the partitions")
        add_seed(parser)
        return parser

    def take_action(self, parsed_args):
        args = parsed_args
        if args.add_cv_setup is not None:
            return _transform(args, "modify", lambda ds: ds.add_cv_setup(num_folds=args.add_cv_setup, seed=args.seed))
        if args.add_partitioning:
            return _transform(args, "modify",
                              lambda ds: ds.add_partitioning(partitions=args.add_partitioning, seed=args.seed))
        if args.remove_cv_setup:
            return _transform(args, "modify", DataSet.remove_cv_setup)
        return _transform(args, "modify", DataSet.remove_partitioning)


class Fuse(ShowOne):
    """Concatenate the features of data sets with the same instances (aligned by filename and chunk)."""

    parameter_flags: ClassVar[dict] = {"datasets": "--input"}

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser, multiple=True, help="two or more data set files")
        _add_dimension(parser)
        add_output(parser, help="the fused data set file")
        return parser

    def take_action(self, parsed_args):
        from contextlib import ExitStack

        with ExitStack() as stack:
            first, *others = [stack.enter_context(DataSet.open(p)) for p in parsed_args.input]
            result = first.fuse(*others, dimension=parsed_args.dimension)
            return _save(result, parsed_args.output, command="fuse", parsed_args=parsed_args)


class FuseChunks(ShowOne):
    """Concatenate the chunks of every file, in chunk order, into one instance."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser)
        _add_dimension(parser)
        add_output(parser, help="the data set file with one instance per file")
        return parser

    def take_action(self, parsed_args):
        return _transform(parsed_args, "fuse chunks",
                          lambda dataset: dataset.fuse_chunks(dimension=parsed_args.dimension))


class Upsample(ShowOne):
    """Balance classes by repeating the files of smaller classes (suffix .upsampled.K)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser)
        add_output(parser, help="the upsampled data set file")
        add_partitions(parser, "--partitions",
                       help="balance within these partitions (others are kept once); default: the whole set")
        return parser

    def take_action(self, parsed_args):
        return _transform(parsed_args, "upsample", lambda dataset: dataset.upsample(partitions=parsed_args.partitions))


class Export(ShowOne):
    """Export a data set to CSV or ARFF files: one per fold, per partition, both nested, or one."""

    folder_outputs: ClassVar[tuple] = ("output",)

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser)
        parser.add_argument("--output", type=Path, required=True, metavar="DIR", help="the export folder")
        own_format_option(parser, required=True, type=lambda v: v.strip().upper(), choices=["CSV", "ARFF"],
                          help="file format (case-insensitive; the output formatter is -f)")
        parser.add_argument("--name", metavar="NAME", help="file name stem (default: the input's stem)")
        parser.add_argument("--labels-last", action="store_true",
                            help="put the label columns after the features (as Weka prefers)")
        return parser

    def take_action(self, parsed_args):
        from audeep.dataset.tables import export, export_layout

        with DataSet.open(parsed_args.input) as dataset:
            out = export(dataset, parsed_args.output, format=parsed_args.format, name=parsed_args.name,
                         labels_last=parsed_args.labels_last)
            LOG.info("exported %s to %s", parsed_args.input, out)
            return record(output=out, format=parsed_args.format, tables=len(export_layout(dataset)),
                          instances=dataset.num_instances, features=int(np.prod(dataset.feature_shape)))


class Import(ShowOne):
    """Import CSV or ARFF files in one of the layouts export writes into a data set file."""

    def input_files(self, parsed_args) -> list:
        from audeep.dataset.tables import find_files

        return [parsed_args.basedir / rel for suffix in (".csv", ".arff")
                for rel in find_files(parsed_args.basedir, parsed_args.name, suffix)]

    def get_parser(self, prog_name):
        from audeep.dataset import tables as ex

        parser = super().get_parser(prog_name)
        parser.add_argument("--basedir", type=Path, required=True, metavar="DIR", help="the export folder")
        parser.add_argument("--name", required=True, metavar="NAME", help="file name stem (NAME.csv / NAME.arff)")
        add_output(parser, help="the data set file to write")
        own_format_option(parser, type=lambda v: v.strip().upper(), choices=["CSV", "ARFF"],
                          help="read only this format (default: the one found; the output formatter is -f)")
        for what, default in (("filename", ex.FILENAME_COLUMN), ("chunk-nr", ex.CHUNK_NR_COLUMN),
                              ("label-nominal", ex.LABEL_NOMINAL_COLUMN), ("label-numeric", ex.LABEL_NUMERIC_COLUMN)):
            parser.add_argument(f"--{what}-attribute", default=default, metavar="NAME",
                                help=f"column holding the {what.replace('-', ' ')} (default: {default})")
        return parser

    def take_action(self, parsed_args):
        from audeep.dataset.tables_import import import_dataset

        dataset = import_dataset(
            parsed_args.basedir, name=parsed_args.name, format=parsed_args.format,
            filename_attribute=parsed_args.filename_attribute, chunk_nr_attribute=parsed_args.chunk_nr_attribute,
            label_nominal_attribute=parsed_args.label_nominal_attribute,
            label_numeric_attribute=parsed_args.label_numeric_attribute)
        return _save(dataset, parsed_args.output, command="import", parsed_args=parsed_args)


class VisualizeTSNE(ShowOne):
    """Plot a t-SNE embedding of the features, coloured by label, as a PNG."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser)
        add_output(parser, required=False, default=Path("tsne.png"), help="the PNG file to write (default: tsne.png)")
        # the original's defaults (perplexity 50, learning rate 1000)
        parser.add_argument("--perplexity", type=float, default=50.0, metavar="P",
                            help="t-SNE perplexity, smaller than the number of instances (default: 50)")
        parser.add_argument("--learning-rate", default=1000.0, metavar="LR",
                            type=lambda v: v if v == "auto" else float(v),
                            help="t-SNE learning rate, or auto (scikit-learn's choice) (default: 1000)")
        add_seed(parser)
        return parser

    def take_action(self, parsed_args):
        from audeep.dataset import tsne_embedding
        from audeep.plotting import plot_tsne

        with DataSet.open(parsed_args.input) as dataset:
            embedding = tsne_embedding(dataset.load_features(), perplexity=parsed_args.perplexity,
                                       seed=parsed_args.seed, learning_rate=parsed_args.learning_rate,
                                       dataset=dataset)
            labels = dataset.labels_nominal
            labels = [None] * dataset.num_instances if labels is None else labels
            title = f"t-SNE of {Path(parsed_args.input).name} (perplexity {parsed_args.perplexity:g})"
            plot_tsne(embedding, labels, parsed_args.output, title=title)
        LOG.info("wrote %s", parsed_args.output)
        return record(output=parsed_args.output, instances=len(embedding), perplexity=parsed_args.perplexity,
                      learning_rate=parsed_args.learning_rate)
