# Supervised baseline (the upper bound) on the generated set from ImageNet weights: the same
# EfficientNet-Lite0 (timm, last stride 1), input (128x64), batch (32 = 8 identities x 4) and
# epoch budget (12 passes over the ~1,800 training images, 2 of warm-up, the x0.1 step at 9 as
# MMCL's) as
# configs/ice_lite0_synthetic.py; label-smoothed identity loss + batch-hard triplet, Adam
# 3.5e-4. num_classes is the number of training identities of the 'small' preset.
_base_ = [
    './_base_/models/supervised_r50.py',
    './_base_/datasets/synthetic_128x64.py',
    './_base_/schedules/supervised_60e.py',
    './_base_/default_runtime.py',
]
model = dict(
    num_classes=100,
    backbone=dict(_delete_=True, type='TIMMBackbone', model_name='tf_efficientnet_lite0',
                  pretrained=True, last_stride=1))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[9], gamma=0.1),
]
train_cfg = dict(max_epochs=12, val_interval=3)
default_hooks = dict(logger=dict(interval=20))
