"""The exception hierarchy of audeep.

Every error that a user can cause derives from :class:`AudeepError`.  The command
line prints such errors as one line and exits with a non-zero status; ``--debug``
shows the traceback.  Messages name the offending value and what was expected.
"""

__all__ = ["AudeepError", "ParameterError", "DataSetError", "AudioError", "ModelError"]


class AudeepError(Exception):
    """Root of all errors raised by audeep on bad input."""


class ParameterError(AudeepError, ValueError):
    """An option or argument has an invalid value or combination."""


class DataSetError(AudeepError):
    """A data set (netCDF file or audio collection) is missing, malformed or inconsistent."""


class AudioError(AudeepError):
    """An audio file cannot be decoded or does not fit the requested processing."""


class ModelError(AudeepError):
    """A model directory, checkpoint or configuration is missing, corrupt or incompatible."""
