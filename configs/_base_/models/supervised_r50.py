model = dict(
    type='Supervised',
    num_classes=751,
    # ImageNet weights (downloaded; offline: pretrained=/path/to/file.pth)
    backbone=dict(type='TorchreidBackbone', name='resnet50', pretrained=True, last_stride=1),
    neck=dict(pooling='avg', bias_trainable=False),
    test_feature='post_bn',
)
