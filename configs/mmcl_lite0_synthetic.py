# MMCL + MPLP on the generated set from ImageNet weights (EfficientNet-Lite0, 128x64); see
# BENCHMARKS.md, "Why the generated-domain configs differ from the authors'", for each change.
_base_ = [
    './_base_/models/mmcl_r50.py',
    './_base_/datasets/synthetic_128x64.py',
    './_base_/schedules/mmcl_sgd_60e.py',
    './_base_/default_runtime.py',
]
height, width = 128, 64
norm = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
mmcl_pipeline = [
    dict(type='RandomSizedRectCrop', height=height, width=width, area_range=(0.64, 1.0),
         aspect_range=(2.0, 3.0), max_attempts=10, interpolation='bilinear'),
    dict(type='RandomHorizontalFlip', p=0.5),
    dict(type='RandomRotation', degrees=10),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2),
    dict(type='ToTensor'),
    dict(type='Normalize', **norm),
    dict(type='RandomErasing', probability=0.5, sl=0.02, sh=0.2, r1=0.3, r2=3.0,
         strict_fit=False, mean=norm['mean']),
]
# 12 epochs of one pass each, MPLP from epoch 2, x0.1 at epoch 9 (the authors: 60, 6 and 40)
max_epochs = 12
model = dict(
    # ImageNet's BN statistics kept, as in configs/ice_lite0_synthetic.py
    backbone=dict(_delete_=True, type='TIMMBackbone', model_name='tf_efficientnet_lite0',
                  pretrained=True, last_stride=1, norm_eval=True),
    start_epoch=2,
    memory=dict(base_momentum=0.5, max_epochs=max_epochs),
    # r keeps the authors' 7.5 identities' worth of hard negatives on this smaller set
    loss=dict(r=0.075))
train_dataloader = dict(
    batch_size=128,
    drop_last=False,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    # GAN-free CamStyle: each image in another camera's colours with p 5/6 (docs/mmcl.md)
    dataset=dict(pipeline=mmcl_pipeline, camstyle='colour'),
)
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[9], gamma=0.1)]
train_cfg = dict(max_epochs=max_epochs, val_interval=3)
default_hooks = dict(logger=dict(interval=5))
