# Benchmark (tools/benchmark.py, preset 'medium'): ICE camera-aware on the generated 'medium'
# set, without labels, ResNet-18 at 64x32, the authors' losses, teacher and clustering; 6
# epochs of 161 iterations of 32 images (one pass over the 5,165 training images, as the
# authors' 400 x 32 is one pass over Market-1501), warm-up over 2 epochs, validated every 2.
# The domain adaptation row starts it from the model supervised on domain A (load_from).
_base_ = ['../ice_r18_synthetic.py']
data_root = 'data/benchmark/medium'
iters_per_epoch = 161
train_dataloader = dict(sampler=dict(iters_per_epoch=iters_per_epoch),
                        dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2)]
train_cfg = dict(max_epochs=6, iters_per_epoch=iters_per_epoch, val_interval=2)
