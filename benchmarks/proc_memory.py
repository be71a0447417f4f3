# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Process memory figures from `/proc/self/status` (Linux), shared by the benchmarks (`local_attention.py`,
`train_step.py`): `VmRSS` is the current resident size, `VmHWM` its peak (reset by writing 5 to
`/proc/self/clear_refs`)."""


def status_kb(field: str) -> int:
    """The value in kB of `field` (e.g. "VmRSS", "VmHWM") in `/proc/self/status`."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")
