# Preset 'medium' (benchmarks/benchmark_methods.py): ICE camera-aware without labels on the
# generated 'medium' set, ResNet-18 from scratch at 64x32, 6 epochs validated every 2.
# An epoch is one pass over the training images, as the authors' 400 x 32 is on Market-1501.
_base_ = ['../../configs/ice_r18_synthetic.py']
data_root = 'data/benchmark/medium'
iters_per_epoch = 161
train_dataloader = dict(sampler=dict(iters_per_epoch=iters_per_epoch),
                        dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2)]
train_cfg = dict(max_epochs=6, iters_per_epoch=iters_per_epoch, val_interval=2)
