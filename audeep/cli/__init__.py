"""The ``audeep`` command line: a cliff application whose commands are thin skins over ``audeep.*``."""
