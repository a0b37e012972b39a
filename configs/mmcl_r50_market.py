# MMCL + MPLP on Market-1501 with the authors' defaults (60 epochs, final model reported).
# From ImageNet weights, as the paper's numbers: downloaded (offline: set
# model.backbone.pretrained to a local file).
_base_ = [
    './_base_/models/mmcl_r50.py',
    './_base_/datasets/market1501.py',
    './_base_/schedules/mmcl_sgd_60e.py',
    './_base_/default_runtime.py',
]
# MMCL's training data: plain shuffle, batch 128, drop_last=False (no PxK), and the authors'
# augmentation (random-sized rectangle crop, flip, rotation 10, colour jitter, erasing).
height, width = 256, 128
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
train_dataloader = dict(
    batch_size=128,
    drop_last=False,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=mmcl_pipeline),
)
