"""The machine a benchmark ran on, printed at the top of every benchmark's output.

    from _machine import describe_machine
    print(describe_machine())
"""

import os
import platform


def _cpuinfo(field: str) -> "str | None":
    """The value of ``field`` in /proc/cpuinfo (its first processor); None where there is none."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            return next((line.split(":", 1)[1].strip() for line in handle if line.startswith(field)), None)
    except OSError:  # not Linux
        return None


def _cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; the platform's processor string elsewhere)."""
    return _cpuinfo("model name") or platform.processor() or "unknown CPU"


def _cpu_flags() -> list:
    """The vector and matrix extensions that decide the speed of dense kernels (AVX2/512, AMX)."""
    flags = (_cpuinfo("flags") or "").split()
    return sorted(f for f in flags if f in {"avx2", "avx512f", "avx512_bf16", "amx_bf16"})


def describe_machine() -> str:
    """One line: CPU model, cores usable by this process, extensions, Python and OS."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    flags = ", ".join(_cpu_flags()) or "none of avx2/avx512/amx"
    return (f"machine: {_cpu_model()}; {usable} usable cores ({os.cpu_count()} online); {flags}; "
            f"Python {platform.python_version()} on {platform.system()} {platform.release()}")


if __name__ == "__main__":
    print(describe_machine())
