"""Named sizes of a generated dataset."""
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    'tiny': dict(num_ids_train=16, num_ids_test=16, imgs_per_id_cam=2.0, num_distractors=12,
                 num_junk=4, height=128, width=64),
    'small': dict(num_ids_train=100, num_ids_test=100, imgs_per_id_cam=3.85, num_distractors=80,
                  num_junk=40, height=128, width=64),
    'small_wide': dict(num_ids_train=100, num_ids_test=250, imgs_per_id_cam=3.85,
                       num_distractors=200, num_junk=40, height=128, width=64),
    'medium': dict(num_ids_train=300, num_ids_test=300, imgs_per_id_cam=3.85,
                   num_distractors=600, num_junk=300, height=128, width=64),
    'market': dict(num_ids_train=751, num_ids_test=750, imgs_per_id_cam=3.85,
                   num_distractors=2793, num_junk=3819, height=256, width=128),
}
"""Keyword arguments of :func:`make_synthetic_reid` by name. ``tiny`` is for the tests and
``small`` for the demo. ``small_wide`` trains on as many people as ``small`` but tests on 250
(about 1,100 queries and 4,400 gallery images), so that ImageNet features used directly meet as
many look-alike people as a re-ID model does on a real test set. ``market`` matches
Market-1501's statistics (751/750 ids, ~12.9k train, ~3.4k query, ~15.9k parsed gallery images
with 2,793 distractors, plus junk)."""
