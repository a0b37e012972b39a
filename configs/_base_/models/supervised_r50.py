model = dict(
    type='Supervised',
    num_classes=751,
    backbone=dict(type='TorchreidBackbone', name='resnet50', pretrained=False, last_stride=1),
    neck=dict(pooling='avg', bias_trainable=False),
    test_feature='post_bn',
)
