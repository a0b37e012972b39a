# Market-1501 through torchreid's parser: put the dataset at
# data/market1501/Market-1501-v15.09.15/{bounding_box_train,query,bounding_box_test}.
data_root = 'data'
source = 'market1501'
height, width = 256, 128
norm = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])

test_pipeline = [
    dict(type='Resize', size=(height, width), interpolation='bicubic'),
    dict(type='ToTensor'),
    dict(type='Normalize', **norm),
]
train_pipeline = dict(type='TorchreidTransforms', height=height, width=width,
                      transforms=['random_flip', 'random_crop', 'random_erase'])

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='IdentitySampler', num_instances=4),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ReIDDataset', data_root=data_root, source=source, split='train',
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ReIDDataset', data_root=data_root, source=source,
                 split='query+gallery', pipeline=test_pipeline),
)
val_evaluator = dict(type='ReIDMetric', metric='cosine')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
