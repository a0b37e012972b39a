# Preset 'medium' (benchmarks/benchmark_methods.py): the plugin's supervised baseline (identity +
# triplet, BN neck) on the generated 'medium' set, ResNet-18 from scratch at 64x32, 6 epochs.
# torchreid_softmax_r18_medium.py runs torchreid's own engine on the same data and schedule.
# The data: tools/make_synthetic_reid.py data/benchmark/medium --preset medium
_base_ = ['../../configs/supervised_r18_synthetic.py']
data_root = 'data/benchmark/medium'
model = dict(num_classes=300)
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2),
    dict(type='MultiStepLR', by_epoch=True, milestones=[5], gamma=0.1),
]
train_cfg = dict(max_epochs=6, val_interval=2)
