"""``audeep inspect netcdf``: what a data set file holds (:func:`audeep.dataset.describe`)."""

from audeep.cli.options import ShowOne, add_input, non_negative_int
from audeep.dataset import DataSet


class InspectNetCDF(ShowOne):
    """Show what a data set file holds: instances, feature shape, labels, folds, partitions."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser)
        parser.add_argument("--instance", type=non_negative_int, metavar="I",
                            help="also show the metadata and feature statistics of instance I")
        parser.add_argument("--detailed-folds", action="store_true",
                            help="show train/valid counts per fold and class")
        return parser

    def take_action(self, parsed_args):
        with DataSet.open(parsed_args.input) as dataset:
            info = dataset.describe(detailed_folds=parsed_args.detailed_folds, instance=parsed_args.instance)
        return tuple(info.keys()), tuple(info.values())
