# Benchmark (tools/benchmark.py --preset market): torchreid's own ImageSoftmaxEngine set up like
# configs/supervised_r50_market.py as far as torchreid allows (tools/train_torchreid.py):
# Market-1501 through torchreid's parser, ResNet-50 with last stride 1 at 256x128,
# random_flip / random_crop / random_erase, PxK = 16x4, Adam 3.5e-4 (betas 0.9, 0.999),
# weight decay 5e-4, warm-up over 10 epochs (per epoch; the plugin's is per iteration), x0.1 at
# epoch 40, 60 epochs, label smoothing, tested every 10. No triplet loss and no BN neck (see
# torchreid_softmax_r18_medium.py). ImageNet weights: model.pretrained = a local file.
_base_ = ['./torchreid_softmax_r18_medium.py']
data = dict(root='data', source='market1501', height=256, width=128, batch_size_train=64,
            batch_size_test=128, workers=4)
model = dict(name='resnet50')
lr_schedule = dict(warmup_epochs=10, milestones=[40])
max_epochs = 60
val_interval = 10
