"""Scale-out on existing engines: per-file work and independent trainings on a Dask cluster.

:func:`open_executor` (local processes or Dask) serves ``preprocess``, ``extract`` and
``generate``; :mod:`audeep.cluster.sweeps` runs several trainings as tasks.  Dask is
imported only when a scheduler is given.
"""

from audeep.cluster.executors import open_executor, parse_scheduler

__all__ = ["open_executor", "parse_scheduler"]
