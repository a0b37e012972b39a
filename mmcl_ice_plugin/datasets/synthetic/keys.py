"""Kinds of image and the tags of the generator's random streams.

Randomness is keyed, never sequential: every draw comes from ``np.random.default_rng`` seeded
by ``(seed or style_seed, tag, ...)``, so that a file does not depend on the order in which
the files are drawn, nor on the number of workers.
"""
# kinds of image
PERSON, DISTRACTOR, JUNK = 0, 1, 2

# random streams keyed by seed: pids, camera visits and walks, identities
TAG_PIDS, TAG_PLAN, TAG_IDENTITY = 1, 2, 3
# random streams keyed by style_seed: the domain
TAG_PALETTE, TAG_CAMERA, TAG_SCENE = 4, 5, 6
# random streams keyed by seed: one image, distractors, junk, one walk
TAG_IMAGE, TAG_DISTRACTORS, TAG_JUNK, TAG_WALK = 7, 8, 9, 10
