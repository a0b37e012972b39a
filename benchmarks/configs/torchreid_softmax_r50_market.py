# Preset 'market': torchreid's own ImageSoftmaxEngine set up like configs/supervised_r50_market.py
# as far as torchreid allows (see torchreid_softmax_r18_medium.py); its warm-up steps per epoch,
# the plugin's per iteration. ImageNet weights as the plugin's rows (a local file offline).
_base_ = ['./torchreid_softmax_r18_medium.py']
data = dict(root='data', source='market1501', height=256, width=128, batch_size_train=64,
            batch_size_test=128, workers=4)
model = dict(name='resnet50', pretrained=True)
lr_schedule = dict(warmup_epochs=10, milestones=[40])
max_epochs = 60
val_interval = 10
