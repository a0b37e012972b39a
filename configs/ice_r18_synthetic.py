# ICE camera-aware on the generated demo set (make demo): ResNet-18 from scratch at 64x32,
# batch 32 = 8 x 4, short epochs. The losses, teacher and clustering are the authors'.
_base_ = [
    './_base_/models/ice_r50.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/ice_adam_40e.py',
    './_base_/default_runtime.py',
]
height, width = 64, 32
norm = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
weak = [
    dict(type='Resize', size=(height, width), interpolation='bicubic'),
    dict(type='ToTensor'),
    dict(type='Normalize', **norm),
]
strong = [
    dict(type='Resize', size=(height, width), interpolation='bicubic'),
    dict(type='Pad', padding=3),
    dict(type='RandomCrop', size=(height, width)),
    dict(type='RandomHorizontalFlip', p=0.5),
    dict(type='RandomApply', p=0.5, transforms=[dict(type='GaussianBlur', sigma=(0.1, 2.0))]),
    dict(type='ToTensor'),
    dict(type='Normalize', **norm),
    dict(type='RandomErasing', probability=0.6, sl=0.02, sh=0.4, r1=0.3, mean=norm['mean']),
]
batch_size = 32
iters_per_epoch = 40
model = dict(backbone=dict(name='resnet18', pretrained=False))
train_dataloader = dict(
    batch_size=batch_size,
    drop_last=True,
    sampler=dict(_delete_=True, type='PseudoIdentitySampler', batch_size=batch_size,
                 num_instances=4, iters_per_epoch=iters_per_epoch),
    dataset=dict(pipeline=dict(_delete_=True, type='MultiView', views=[strong, weak, strong])),
)
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=3)]
train_cfg = dict(max_epochs=10, iters_per_epoch=iters_per_epoch, val_interval=5)
custom_hooks = [
    dict(type='ClusteringHook', extract_pipeline=weak, batch_size=128, num_workers=2,
         k1=30, k2=6, eps=0.55, min_samples=4),
    dict(type='TeacherUpdateHook'),
]
default_hooks = dict(logger=dict(interval=10))
