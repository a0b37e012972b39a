# MMCL (Wang & Zhang, CVPR 2020): ResNet-50, last stride 1, BN neck with trainable bias,
# memory bank + MPLP (t 0.6) from epoch 6, MMCL loss (delta 5, r 0.01), pre-BN test feature.
model = dict(
    type='MMCL',
    # ImageNet weights, as in the paper (downloaded; offline: pretrained=/path/to/file.pth)
    backbone=dict(type='TorchreidBackbone', name='resnet50', pretrained=True, last_stride=1),
    neck=dict(pooling='avg', bias_trainable=True),
    memory=dict(base_momentum=0.5, max_epochs=60),
    loss=dict(type='MMCLLoss', delta=5.0, r=0.01),
    start_epoch=6,
    mplp=dict(t=0.6, min_k=10, strict=False),
    test_feature='pre_bn',
    # the authors trained on one GPU: BatchNorm saw the whole batch of 128 (docs/mmcl.md)
    bn_groups=1,
)
custom_hooks = [dict(type='MemoryBankHook')]
