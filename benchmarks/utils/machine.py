"""What a figure was measured on (benchmarks print it next to their numbers)."""
import os
import platform
from typing import Optional


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (falls back to the platform's processor string)."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def gpu_model() -> Optional[str]:
    """Name of the CUDA device torch uses by default, or None when torch sees no GPU."""
    import torch
    if not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_name(torch.cuda.current_device())


def machine_info() -> dict:
    """The machine as a JSON-ready dict: ``cpu``, ``cores`` (logical), ``gpu`` (None without
    CUDA), ``torch`` (version), ``torch_threads`` and ``load_average`` (1-minute, or None where
    the OS does not report it; on a shared machine it says how noisy the timings are)."""
    import torch
    try:
        load = round(os.getloadavg()[0], 2)
    except OSError:
        load = None
    return dict(cpu=cpu_model(), cores=os.cpu_count(), gpu=gpu_model(),
                torch=torch.__version__, torch_threads=torch.get_num_threads(),
                load_average=load)


def describe_machine(info: Optional[dict] = None) -> str:
    """One line for a benchmark's report, from :func:`machine_info` (taken now if not given)."""
    info = info or machine_info()
    return (f'{info["cpu"]}, {info["cores"]} logical cores, GPU {info["gpu"] or "none"}, '
            f'torch {info["torch"]} with {info["torch_threads"]} threads, '
            f'load average {info["load_average"]}')
