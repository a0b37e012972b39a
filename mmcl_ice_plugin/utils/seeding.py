"""Seeds derived from run coordinates (seed, epoch, rank, position), so that a run's random
draws do not depend on the number of dataloader workers or on where it was resumed."""
import random

import numpy as np
import torch


def derive_seed(*entropy: int) -> int:
    """A 63-bit seed mixed from the given integers (numpy's ``SeedSequence``).

    Args:
        *entropy (int): The run coordinates, e.g. ``(seed, epoch, rank, position)``.

    Returns:
        int: The seed.
    """
    state = np.random.SeedSequence([int(e) for e in entropy]).generate_state(1, np.uint64)
    return int(state[0]) >> 1


def seed_global_rngs(seed: int) -> None:
    """Seed the generators that transforms and models draw from.

    Args:
        seed (int): Seed of ``random``, ``numpy`` (modulo 2^32) and ``torch``.
    """
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)
