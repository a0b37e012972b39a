# Supervised baseline on the generated demo set (make demo): ResNet-18 from scratch, 64x32,
# PxK = 8x4, 15 epochs of Adam. num_classes is the number of training identities of the
# 'small' preset (tools/make_synthetic_reid.py data/synthetic --preset small).
_base_ = [
    './_base_/models/supervised_r50.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/supervised_60e.py',
    './_base_/default_runtime.py',
]
model = dict(num_classes=100, backbone=dict(name='resnet18', pretrained=False))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=3,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[11], gamma=0.1),
]
train_cfg = dict(max_epochs=15, val_interval=5)
default_hooks = dict(logger=dict(interval=20))
