# The generated set (tools/make_synthetic_reid.py data/synthetic --preset small), read at
# 128x64, half the papers' 256x128, for an ImageNet EfficientNet-Lite0 on a CPU.
_base_ = ['./synthetic.py']
height, width = 128, 64
norm = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
test_pipeline = [
    dict(type='Resize', size=(height, width), interpolation='bicubic'),
    dict(type='ToTensor'),
    dict(type='Normalize', **norm),
]
train_pipeline = dict(type='TorchreidTransforms', height=height, width=width,
                      transforms=['random_flip', 'random_crop', 'random_erase'])
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
