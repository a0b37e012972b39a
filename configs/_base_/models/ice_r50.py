# ICE (Chen et al., ICCV 2021), camera-aware: ResNet-50, last stride 1, BN neck with frozen
# bias, momentum teacher (0.999, shuffle-BN), centroid + camera-proxy + hard-instance +
# soft-instance losses with the authors' temperatures and weights.
model = dict(
    type='ICE',
    camera_aware=True,
    # ImageNet weights, as in the paper (downloaded; offline: pretrained=/path/to/file.pth)
    backbone=dict(type='TorchreidBackbone', name='resnet50', pretrained=True, last_stride=1),
    neck=dict(pooling='avg', bias_trainable=False),
    teacher_momentum=0.999,
    shuffle_bn=True,
    test_feature='post_bn',
    # the authors' 4 GPUs under DataParallel: every BatchNorm (shuffle-BN too) saw 8 of the 32
    # images; 4 groups give that on any number of devices (docs/ice.md)
    bn_groups=4,
    losses=dict(
        centroid=dict(type='CentroidLoss', temperature=0.5, label_smooth=0.1),
        camera=dict(type='CameraProxyLoss', temperature=0.07, num_hard_negatives=50,
                    weight=0.5),
        hard_instance=dict(type='HardInstanceLoss', temperature=0.1),
        soft_instance=dict(type='SoftInstanceLoss', temperature=0.4, weight=10.0),
    ),
)
