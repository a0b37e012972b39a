# Benchmark (tools/benchmark.py, preset 'medium'): MMCL + MPLP on the generated 'medium' set,
# without labels, ResNet-18 at 64x32, the authors' loss, memory, MPLP and SGD schedule scaled
# to the benchmark's 6 epochs (MPLP from epoch 2, bank momentum 0.5 * epoch / 6, lr x0.1 at
# epoch 4), validated every 2 epochs. The domain adaptation row starts it from the model
# supervised on domain A (load_from).
_base_ = ['../mmcl_r18_synthetic.py']
data_root = 'data/benchmark/medium'
max_epochs = 6
model = dict(start_epoch=2, memory=dict(max_epochs=max_epochs))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[4], gamma=0.1)]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
