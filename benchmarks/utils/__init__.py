"""What the benchmark scripts share: the subprocess runner of the command-line tools, the
machine probe that their reports name, and the plots of their curves."""
