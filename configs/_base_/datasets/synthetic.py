# The generated demo set (tools/make_synthetic_reid.py data/synthetic --preset small), a folder
# in Market-1501 layout, read at 64x32 for a CPU (docs/synthetic_data.md).
_base_ = ['./market1501.py']
data_root = 'data/synthetic'
source = 'folder'
height, width = 64, 32
norm = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
test_pipeline = [
    dict(type='Resize', size=(height, width), interpolation='bicubic'),
    dict(type='ToTensor'),
    dict(type='Normalize', **norm),
]
train_pipeline = dict(type='TorchreidTransforms', height=height, width=width,
                      transforms=['random_flip', 'random_crop', 'random_erase'])
train_dataloader = dict(
    batch_size=32, num_workers=2,
    dataset=dict(data_root=data_root, source=source, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=2,
    dataset=dict(data_root=data_root, source=source, pipeline=test_pipeline))
test_dataloader = val_dataloader
