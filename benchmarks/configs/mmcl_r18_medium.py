# Preset 'medium' (benchmarks/benchmark_methods.py): MMCL + MPLP without labels on the generated
# 'medium' set, ResNet-18 from scratch at 64x32, validated every 2 epochs.
# The authors' schedule scaled to 6 epochs: MPLP from epoch 2, bank momentum ramp, lr step.
_base_ = ['../../configs/mmcl_r18_synthetic.py']
data_root = 'data/benchmark/medium'
max_epochs = 6
model = dict(start_epoch=2, memory=dict(max_epochs=max_epochs))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[4], gamma=0.1)]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
