"""Speed and method benchmarks, run from the repository root as ``python benchmarks/<script>``."""
