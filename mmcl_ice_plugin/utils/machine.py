"""What a figure was measured on (benchmarks print it next to their numbers)."""
import platform


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
