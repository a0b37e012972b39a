# MMCL + MPLP on the generated demo set (make demo): ResNet-18 from scratch at 64x32, the
# authors' loss, memory and MPLP (from epoch 6, as in the paper); a short schedule, 16 epochs.
_base_ = [
    './_base_/models/mmcl_r50.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/mmcl_sgd_60e.py',
    './_base_/default_runtime.py',
]
height, width = 64, 32
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
max_epochs = 16
model = dict(backbone=dict(name='resnet18', pretrained=False), start_epoch=6,
             memory=dict(base_momentum=0.5, max_epochs=max_epochs))
train_dataloader = dict(
    batch_size=64,
    drop_last=False,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=mmcl_pipeline),
)
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[12], gamma=0.1)]
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
default_hooks = dict(logger=dict(interval=10))
