# The toolbox baseline: ResNet-50 (last stride 1, BN neck), label-smoothed identity loss +
# batch-hard triplet, PxK = 16x4, with ground-truth identities of Market-1501.
# ImageNet weights, downloaded (offline: set model.backbone.pretrained to a local file).
_base_ = [
    './_base_/models/supervised_r50.py',
    './_base_/datasets/market1501.py',
    './_base_/schedules/supervised_60e.py',
    './_base_/default_runtime.py',
]
