"""torchreid's RandomPatch occlusion augmentation."""
import random

from PIL import Image
from torchreid.reid.data import transforms as torchreid_transforms

from mmcl_ice_plugin.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomPatch(torchreid_transforms.RandomPatch):
    """Paste a patch taken from earlier images to simulate occlusion (torchreid's ``RandomPatch``).

    Reference:
        K. Zhou, Y. Yang, A. Cavallaro, T. Xiang. Omni-Scale Feature Learning for Person
        Re-Identification. ICCV 2019. https://arxiv.org/abs/1905.00953

    As torchreid 0.2.5 does it. Each call stores a random patch of the input in a pool (capacity
    ``pool_capacity``); once the pool holds ``min_sample_size`` patches, with probability
    ``prob_happen`` a random pooled patch (maybe flipped, maybe rotated by up to 10 degrees) is
    pasted at a random position. Same random draws as torchreid, with two differences that
    only matter where torchreid misbehaves: the input image is copied rather than pasted on in
    place, and a pooled patch larger than the current image is not pasted (torchreid raises).
    The pool lives in each dataloader worker's copy of the pipeline.

    Args:
        prob_happen (float): Probability of pasting a patch. Defaults to 0.5.
        pool_capacity (int): Patches kept in the pool. Defaults to 50000.
        min_sample_size (int): Pooled patches needed before any is pasted. Defaults to 100.
        patch_min_area (float): Minimum patch area fraction. Defaults to 0.01.
        patch_max_area (float): Maximum patch area fraction. Defaults to 0.5.
        patch_min_ratio (float): Minimum patch aspect; the maximum is its inverse.
            Defaults to 0.1.
        prob_rotate (float): Probability of rotating a pasted patch. Defaults to 0.5.
        prob_flip_leftright (float): Probability of flipping a pasted patch.
            Defaults to 0.5.
    """

    def __call__(self, img: Image.Image) -> Image.Image:
        img_w, img_h = img.size
        w, h = self.generate_wh(img_w, img_h)
        if w is not None and h is not None:
            left = random.randint(0, img_w - w)
            top = random.randint(0, img_h - h)
            self.patchpool.append(img.crop((left, top, left + w, top + h)))
        if len(self.patchpool) < self.min_sample_size:
            return img
        if random.uniform(0, 1) > self.prob_happen:
            return img
        patch = random.sample(self.patchpool, 1)[0]
        patch_w, patch_h = patch.size
        if patch_w > img_w or patch_h > img_h:
            return img
        left = random.randint(0, img_w - patch_w)
        top = random.randint(0, img_h - patch_h)
        patch = self.transform_patch(patch)
        img = img.copy()
        img.paste(patch, (left, top))
        return img

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob_happen={self.prob_happen}, '
                f'pool_capacity={self.patchpool.maxlen}, min_sample_size={self.min_sample_size}, '
                f'patch_min_area={self.patch_min_area}, patch_max_area={self.patch_max_area}, '
                f'patch_min_ratio={self.patch_min_ratio}, prob_rotate={self.prob_rotate}, '
                f'prob_flip_leftright={self.prob_flip_leftright})')
