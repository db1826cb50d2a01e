"""The data set transforms as public functions: each accepts a DataSet or the path of its file.

:mod:`audeep.dataset.transforms` works on DataSets (the :class:`~audeep.dataset.DataSet`
methods call it); the names exported by ``audeep`` and ``audeep.dataset`` are these wrappers,
so ``audeep.fuse(["a.nc", "b.nc"])`` works as well as ``audeep.fuse([a, b])``.
"""

from audeep.dataset import transforms
from audeep.dataset.coerce import accepts_paths

__all__ = ["add_cv_setup", "add_partitioning", "fuse", "fuse_chunks", "remove_cv_setup", "remove_partitioning",
           "upsample"]

add_cv_setup = accepts_paths("dataset")(transforms.add_cv_setup)
remove_cv_setup = accepts_paths("dataset")(transforms.remove_cv_setup)
add_partitioning = accepts_paths("dataset")(transforms.add_partitioning)
remove_partitioning = accepts_paths("dataset")(transforms.remove_partitioning)
fuse = accepts_paths("datasets")(transforms.fuse)
fuse_chunks = accepts_paths("dataset")(transforms.fuse_chunks)
upsample = accepts_paths("dataset")(transforms.upsample)
