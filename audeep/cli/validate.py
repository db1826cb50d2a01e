"""``audeep validate``: check a data set's integrity constraints."""

import logging

from audeep.cli.options import Lister, add_input
from audeep.dataset import CONSTRAINTS, DataSet
from audeep.dataset.integrity import SHOWN_FILES
from audeep.errors import DataSetError

LOG = logging.getLogger(__name__)


def validation_rows(path, *, detailed: bool = False) -> list:
    """One row (constraint, status, count, files) per integrity constraint of the file at ``path``.

    A file that cannot be opened gives a single failing ``schema`` row instead of an error.
    """
    try:
        dataset = DataSet.open(path)
    except DataSetError as exc:
        return [("schema", "FAIL", 0, str(exc))]
    with dataset:
        violations = {v.constraint: v for v in dataset.validate()}
    rows = [("schema", "PASS", 0, "")]
    for name in CONSTRAINTS:
        v = violations.get(name)
        if v is None:
            rows.append((name, "PASS", 0, ""))
            continue
        files = list(v.filenames)
        shown = files if detailed else files[:SHOWN_FILES]
        more = "" if len(shown) == len(files) else f", ... (+{len(files) - len(shown)}, see --detailed)"
        text = ", ".join(shown) + more
        rows.append((name, "FAIL", len(files), f"{v.message}: {text}" if files else v.message))
    return rows


class Validate(Lister):
    """Check the integrity constraints of a data set; exit status 1 if any fails."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser)
        parser.add_argument("--detailed", action="store_true", help="list every offending file")
        return parser

    def take_action(self, parsed_args):
        rows = validation_rows(parsed_args.input, detailed=parsed_args.detailed)
        self.failed = sum(1 for r in rows if r[1] == "FAIL")
        if self.failed:
            LOG.warning("%s: %d of %d checks failed", parsed_args.input, self.failed, len(rows))
        return ("constraint", "status", "violations", "details"), rows

    def run(self, parsed_args):
        status = super().run(parsed_args)
        return status or (1 if self.failed else 0)
