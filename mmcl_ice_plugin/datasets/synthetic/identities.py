"""Who a person is: clothes, skin, hair, bag and build, from a palette shared by everybody.

Clothes come from a skewed palette: most people wear black, grey, white, navy or denim, so many
people look alike and only the combination of colours, patterns, bag, hair, shoes and hat tells
them apart. The palette belongs to the domain (``style_seed``); the people to ``seed``.
"""
import colorsys
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from .keys import TAG_IDENTITY, TAG_PALETTE

SKIN = np.array([[236, 200, 170], [220, 172, 135], [190, 140, 100], [150, 100, 65],
                 [100, 66, 45]], np.float32)
HAIR = np.array([[20, 18, 18], [55, 38, 28], [105, 72, 45], [205, 175, 110], [150, 150, 150]],
                np.float32)
HAIR_P = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
# black, charcoal, grey, white, navy, denim, beige
NEUTRALS = np.array([[26, 26, 30], [62, 62, 66], [128, 128, 130], [226, 226, 220],
                     [34, 42, 82], [64, 82, 120], [190, 170, 130]], np.float32)
UPPER_NEUTRAL_P = np.array([0.3, 0.15, 0.12, 0.2, 0.1, 0.03, 0.1])
LOWER_NEUTRAL_P = np.array([0.33, 0.12, 0.1, 0.04, 0.12, 0.22, 0.07])
SHOE_P = np.array([0.45, 0.2, 0.08, 0.17, 0.04, 0.0, 0.06])
NUM_HUES = 6


@dataclass(frozen=True)
class Identity:
    """The attributes of one person (colours are float32 RGB)."""
    upper: np.ndarray  # (2, 3) main and second colour
    upper_pattern: int
    upper_period: float
    sleeve: float  # covered fraction of the arm
    lower: np.ndarray  # (2, 3)
    lower_pattern: int
    lower_kind: int
    skin: np.ndarray
    hair: np.ndarray
    long_hair: bool
    shoes: np.ndarray
    bag_kind: int
    bag: np.ndarray
    bag_side: int  # +1: carried on the person's right
    hat: Optional[np.ndarray]
    build: float


@lru_cache(maxsize=16)
def palette(style_seed: int) -> np.ndarray:
    """The clothing colours everybody shares: jittered neutrals, then a few hues.

    Args:
        style_seed (int): The domain.

    Returns:
        np.ndarray: float32 RGB colours ``(len(NEUTRALS) + NUM_HUES, 3)``, neutrals first.
    """
    rng = np.random.default_rng([style_seed, TAG_PALETTE])
    neutrals = np.clip(NEUTRALS + rng.uniform(-10, 10, NEUTRALS.shape), 0, 255)
    offset = rng.random()
    hues = [colorsys.hsv_to_rgb((offset + (i + rng.uniform(-0.2, 0.2)) / NUM_HUES) % 1.0,
                                rng.uniform(0.45, 0.85), rng.uniform(0.4, 0.85))
            for i in range(NUM_HUES)]
    return np.concatenate([neutrals, np.array(hues) * 255]).astype(np.float32)


def _weights(neutral_share: float, neutral_p: np.ndarray) -> np.ndarray:
    """P(palette colour): ``neutral_share`` over the neutrals (as ``neutral_p``), the rest
    evenly over the hues."""
    return np.concatenate([neutral_share * neutral_p / neutral_p.sum(),
                           np.full(NUM_HUES, (1 - neutral_share) / NUM_HUES)])


@lru_cache(maxsize=4096)
def identity(seed: int, style_seed: int, pid: int) -> Identity:
    """The person ``pid``, the same in every camera and image.

    Args:
        seed (int): The people's seed.
        style_seed (int): The domain (its palette).
        pid (int): Person id.
    """
    return make_identity(np.random.default_rng([seed, TAG_IDENTITY, pid]), palette(style_seed))


def make_identity(rng: np.random.Generator, colours: np.ndarray) -> Identity:
    """Draw the attributes of one person.

    Colours come from the shared palette, with a small shade of the person's own. Tops are
    neutral 65 % of the time, trousers 88 %, shoes mostly dark.

    Args:
        rng (np.random.Generator): The person's random stream.
        colours (np.ndarray): The palette, as :func:`palette` returns it.
    """
    n = len(colours)

    def shade(picked: np.ndarray) -> np.ndarray:
        return np.clip(picked * rng.uniform(0.92, 1.08, (len(picked), 1)), 0, 255).astype(
            np.float32)

    return Identity(
        upper=shade(colours[rng.choice(n, 2, replace=False, p=_weights(0.65, UPPER_NEUTRAL_P))]),
        upper_pattern=int(rng.choice(4, p=[0.55, 0.17, 0.1, 0.18])),
        upper_period=float(rng.uniform(0.035, 0.07)),
        sleeve=float(rng.choice([0.45, 1.0], p=[0.4, 0.6])),
        lower=shade(colours[rng.choice(n, 2, replace=False, p=_weights(0.88, LOWER_NEUTRAL_P))]),
        lower_pattern=int(rng.choice(4, p=[0.8, 0.04, 0.06, 0.1])),
        lower_kind=int(rng.choice(3, p=[0.65, 0.2, 0.15])),
        skin=SKIN[rng.integers(len(SKIN))] * np.float32(rng.uniform(0.94, 1.06)),
        hair=HAIR[rng.choice(len(HAIR), p=HAIR_P)],
        long_hair=bool(rng.random() < 0.35),
        shoes=colours[rng.choice(n, p=_weights(0.85, SHOE_P))],
        bag_kind=int(rng.choice(3, p=[0.4, 0.35, 0.25])),
        bag=colours[rng.choice(n, p=_weights(0.7, UPPER_NEUTRAL_P))],
        bag_side=1 if rng.random() < 0.5 else -1,
        hat=colours[rng.integers(n)] if rng.random() < 0.12 else None,
        build=float(rng.uniform(0.85, 1.2)),
    )
