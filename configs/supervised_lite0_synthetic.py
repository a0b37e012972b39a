# Supervised upper bound on the generated set from ImageNet weights: the backbone, input, batch
# and 12-epoch budget of configs/ice_lite0_synthetic.py, label-smoothed identity loss.
_base_ = [
    './_base_/models/supervised_r50.py',
    './_base_/datasets/synthetic_128x64.py',
    './_base_/schedules/supervised_60e.py',
    './_base_/default_runtime.py',
]
model = dict(
    # the training identities of the 'small' preset
    num_classes=100,
    # the batch-hard triplet collapses the features with ImageNet's BN stats (BENCHMARKS.md)
    triplet_weight=0.0,
    backbone=dict(_delete_=True, type='TIMMBackbone', model_name='tf_efficientnet_lite0',
                  pretrained=True, last_stride=1, norm_eval=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[9], gamma=0.1),
]
train_cfg = dict(max_epochs=12, val_interval=3)
default_hooks = dict(logger=dict(interval=20))
