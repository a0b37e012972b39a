"""Procedurally drawn person re-identification data in the exact Market-1501 layout.

:func:`make_synthetic_reid` writes ``bounding_box_train/``, ``query/`` and
``bounding_box_test/`` under a root folder, with Market-1501 file names
(``0001_c1s1_000151_00.jpg``: 4-digit pid, camera 1..6, sequence, 6-digit frame), so that
torchreid's own ``Market1501`` parser and the plugin's folder dataset read it unchanged.

The images have what real detector crops have, because that structure is what unsupervised
re-ID grows its first pseudo identities from (``docs/synthetic_data.md``); one module each:

* :mod:`.plan`: which files, with **tracklets**: an identity's images in a camera come from
  1-2 short walks of a few consecutive frames;
* :mod:`.walks`: what the frames of a walk share (background patch, clutter, passer-by, light)
  and how they move; **the person fills the box** (86-94 % of the image height);
* :mod:`.scenes`: **backgrounds that differ between people in one camera**: a wide scene per
  camera, with every walk at its own place and zoom in it;
* :mod:`.cameras`: **moderate camera effects**: white balance, exposure, contrast, saturation,
  a lighting gradient, blur and resolution, noise, JPEG quality, a habit of viewpoint;
* :mod:`.identities` and :mod:`.people`: **clothes from a skewed palette**, so that only the
  combination of colours, patterns, bag, hair, shoes and hat tells people apart, and how a
  person is drawn; :mod:`.shapes`: the masks they are drawn with;
* :mod:`.render`: one image; :mod:`.writer`: the dataset, its summary and worker processes.

Randomness is keyed, never sequential (:mod:`.keys`): an image is drawn from
``np.random.default_rng`` seeded by ``(seed, pid, camera, index)``, its walk by ``(seed, pid,
camera, walk)``, an identity by ``(seed, pid)``, a camera, its scene and the palette by
``style_seed``. Files are therefore byte-identical whatever the generation order or the number
of workers, and ``style_seed`` changes the "domain" (cameras, scenes and clothing palette)
while ``seed`` keeps the identities and their attributes.
"""
from .plan import SPLIT_DIRS
from .presets import PRESETS
from .render import render_image
from .writer import GENERATOR_VERSION, SUMMARY_FILE, make_synthetic_reid, read_summary

__all__ = ['GENERATOR_VERSION', 'PRESETS', 'SPLIT_DIRS', 'SUMMARY_FILE', 'make_synthetic_reid',
           'read_summary', 'render_image']
