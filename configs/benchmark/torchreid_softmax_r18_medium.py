# Benchmark (tools/benchmark.py, preset 'medium'): torchreid's own supervised engine,
# ImageSoftmaxEngine, run by tools/train_torchreid.py, set up like the plugin's
# supervised_r18_medium.py as far as torchreid allows: same folder (torchreid's Market-1501
# parser), ResNet-18 from scratch with last stride 1, 64x32, torchreid's random_flip /
# random_crop / random_erase, PxK = 8x4 (RandomIdentitySampler), Adam 3.5e-4 (betas 0.9,
# 0.999 as torch's default that the plugin uses; torchreid's default beta2 is 0.99), weight
# decay 5e-4, the same per-epoch warm-up and step, label smoothing 0.1, 6 epochs, tested every 2.
# What torchreid's softmax engine cannot match: no triplet loss and no BN neck (its classifier
# sits on the pooled feature), so the test feature is the pooled feature (compared by cosine
# distance, as the plugin compares its L2-normalised features).
data = dict(
    root='data/benchmark/medium',
    source='folder',
    height=64,
    width=32,
    transforms=['random_flip', 'random_crop', 'random_erase'],
    batch_size_train=32,
    batch_size_test=64,
    workers=2,
    train_sampler='RandomIdentitySampler',
    num_instances=4,
)
model = dict(name='resnet18', pretrained=False, last_stride=1)
optimizer = dict(optim='adam', lr=3.5e-4, weight_decay=5e-4, adam_beta1=0.9, adam_beta2=0.999)
lr_schedule = dict(warmup_epochs=2, warmup_factor=0.1, milestones=[5], gamma=0.1)
label_smooth = True
max_epochs = 6
val_interval = 2
test = dict(dist_metric='cosine', normalize_feature=False)
seed = 0
print_freq = 50
