"""Configs that run the repo's configs on the tiny generated set at 64x32 in seconds."""
from .helpers import write_config

DATA = """
height, width = {height}, {width}
norm = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
test_pipeline = [dict(type='Resize', size=(height, width), interpolation='bicubic'),
                 dict(type='ToTensor'), dict(type='Normalize', **norm)]
val_dataloader = dict(batch_size=64, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root={root!r}, pipeline=test_pipeline))
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=5))
"""

SUPERVISED = DATA + """
train_pipeline = dict(type='TorchreidTransforms', height=height, width=width,
                      transforms=['random_flip', 'random_crop'])
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={root!r}, pipeline=train_pipeline))
model = dict(num_classes=16)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_epochs={epochs}, val_interval=100)
"""

MMCL = DATA + """
train_pipeline = [dict(type='Resize', size=(height, width)), dict(type='RandomHorizontalFlip'),
                  dict(type='ToTensor'), dict(type='Normalize', **norm)]
train_dataloader = dict(batch_size=32, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={root!r}, pipeline=train_pipeline))
model = dict(start_epoch={start_epoch}, memory=dict(max_epochs={epochs}))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
train_cfg = dict(max_epochs={epochs}, val_interval=100)
"""

ICE = DATA + """
view = [dict(type='Resize', size=(height, width)), dict(type='RandomHorizontalFlip'),
        dict(type='ToTensor'), dict(type='Normalize', **norm)]
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    sampler=dict(batch_size=16, iters_per_epoch={iters}),
    dataset=dict(data_root={root!r},
                 pipeline=dict(_delete_=True, type='MultiView', views=[view, test_pipeline, view])))
train_cfg = dict(max_epochs={epochs}, iters_per_epoch={iters}, val_interval=100)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
custom_hooks = [dict(type='ClusteringHook', extract_pipeline=test_pipeline, batch_size=64,
                     num_workers=0, k1={k1}, k2=3, eps={eps}, min_samples=2),
                dict(type='TeacherUpdateHook')]
model = dict(camera_aware={camera_aware})
"""


def supervised_config(tmp_path, root, epochs=6, extra=''):
    return write_config(str(tmp_path / 'tiny_supervised.py'), 'configs/supervised_r18_synthetic.py',
                        SUPERVISED.format(root=root, epochs=epochs, height=64, width=32) + extra)


def mmcl_config(tmp_path, root, epochs=4, start_epoch=2, extra=''):
    return write_config(str(tmp_path / 'tiny_mmcl.py'), 'configs/mmcl_r18_synthetic.py',
                        MMCL.format(root=root, epochs=epochs, start_epoch=start_epoch,
                                    height=64, width=32) + extra)


def ice_config(tmp_path, root, epochs=3, iters=8, camera_aware=True, k1=10, eps=0.6, extra='',
               base='configs/ice_r18_synthetic.py', size=(64, 32)):
    return write_config(str(tmp_path / 'tiny_ice.py'), base,
                        ICE.format(root=root, epochs=epochs, iters=iters, k1=k1, eps=eps,
                                   camera_aware=camera_aware, height=size[0], width=size[1])
                        + extra)
