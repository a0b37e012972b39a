# ICE camera-aware on the generated set from ImageNet weights (EfficientNet-Lite0, 128x64); see
# BENCHMARKS.md, "Why the generated-domain configs differ from the authors'", for each change.
_base_ = [
    './_base_/models/ice_r50.py',
    './_base_/datasets/synthetic_128x64.py',
    './_base_/schedules/ice_adam_40e.py',
    './_base_/default_runtime.py',
]
height, width = 128, 64
norm = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
weak = [
    dict(type='Resize', size=(height, width), interpolation='bicubic'),
    dict(type='ToTensor'),
    dict(type='Normalize', **norm),
]
strong = [
    dict(type='Resize', size=(height, width), interpolation='bicubic'),
    dict(type='Pad', padding=5),
    dict(type='RandomCrop', size=(height, width)),
    dict(type='RandomHorizontalFlip', p=0.5),
    dict(type='RandomApply', p=0.5, transforms=[dict(type='GaussianBlur', sigma=(0.1, 2.0))]),
    dict(type='ToTensor'),
    dict(type='Normalize', **norm),
    dict(type='RandomErasing', probability=0.6, sl=0.02, sh=0.4, r1=0.3, mean=norm['mean']),
]
batch_size = 32
# one pass over the training images per epoch, as the authors' 400 x 32 on Market-1501
iters_per_epoch = 60
max_epochs = 12
model = dict(
    # ImageNet's BN statistics kept; one BN group, as the PK batch puts only 2 pseudo
    # identities in each of the authors' groups of 8
    backbone=dict(_delete_=True, type='TIMMBackbone', model_name='tf_efficientnet_lite0',
                  pretrained=True, last_stride=1, norm_eval=True),
    bn_groups=1,
    # the authors' 0.999 rescaled from their 16,000 iterations to these 720 (docs/ice.md)
    teacher_momentum=0.978)
train_dataloader = dict(
    batch_size=batch_size,
    drop_last=True,
    sampler=dict(_delete_=True, type='PseudoIdentitySampler', batch_size=batch_size,
                 num_instances=4, iters_per_epoch=iters_per_epoch),
    # GAN-free CamStyle: images also in other cameras' colours (docs/mmcl.md)
    dataset=dict(camstyle='colour',
                 pipeline=dict(_delete_=True, type='MultiView', views=[strong, weak, strong])),
)
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2)]
train_cfg = dict(max_epochs=max_epochs, iters_per_epoch=iters_per_epoch, val_interval=3)
custom_hooks = [
    # camera-aware Jaccard (CA-Jaccard's defaults) joins tracklets across cameras; k1 20
    dict(type='ClusteringHook', extract_pipeline=weak, batch_size=128, num_workers=2,
         k1=20, k2=6, eps=0.55, min_samples=4, camera_aware_jaccard=dict()),
    dict(type='TeacherUpdateHook'),
]
default_hooks = dict(logger=dict(interval=10))
