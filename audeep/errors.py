"""The exception hierarchy of audeep.

Every error that a user can cause derives from :class:`AudeepError`.  The command
line prints such errors as one line and exits with a non-zero status; ``--debug``
shows the traceback.  Messages name the offending value and what was expected.

Library messages name *Python parameters* (``num_units``, ``run_dir``), never command-line
flags: an error raised because of a parameter carries its name in
:attr:`AudeepError.parameters`, and the command line writes the matching flag in its place
(``num_units 0: ...`` becomes ``--num-units 0: ...``).

Examples
--------
>>> err = ParameterError("num_units 0: expected a positive integer", parameter="num_units")
>>> err.parameters
('num_units',)
"""

__all__ = ["AudeepError", "AudioError", "DataSetError", "ModelError", "OutputError", "ParameterError"]


class AudeepError(Exception):
    """Root of all errors raised by audeep on bad input.

    Parameters
    ----------
    message : str
        What is wrong: the bad value and what was expected.
    parameter : str or sequence of str, optional
        The Python parameter(s) the message names (as words of the message), so that a
        front end can name its own option for each.
    """

    def __init__(self, message: str = "", *, parameter: "str | tuple | list | None" = None):
        super().__init__(message)
        if parameter is None:
            self.parameters: tuple = ()
        elif isinstance(parameter, str):
            self.parameters = (parameter,)
        else:
            self.parameters = tuple(parameter)


class ParameterError(AudeepError, ValueError):
    """An option or argument has an invalid value or combination."""


class DataSetError(AudeepError):
    """A data set (netCDF file or audio collection) is missing, malformed or inconsistent."""


class AudioError(AudeepError):
    """An audio file cannot be decoded or does not fit the requested processing."""


class ModelError(AudeepError):
    """A model directory, checkpoint or configuration is missing, corrupt or incompatible."""


class OutputError(AudeepError):
    """An output cannot be written: its folder is missing or read-only, the disk is full, a file
    size limit is reached, or a folder is in its place (the message names the file)."""
