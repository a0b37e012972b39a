# Preset 'medium': torchreid's own ImageSoftmaxEngine (tools/train_torchreid.py) set up like
# supervised_r18_medium.py as far as torchreid allows: the same folder, backbone, image size,
# transforms, PxK batches, optimiser and schedule. Adam's beta2 is torch's default, which the
# plugin uses (torchreid's default is 0.99). torchreid has no triplet loss and no BN neck: it
# classifies and tests the pooled feature (by cosine, as the plugin's L2-normalised features).
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
