# ICE camera-aware with ResNet-50-IBN-a (torchreid's resnet50_ibn_a) instead of ResNet-50.
_base_ = ['./ice_r50_market.py']
model = dict(backbone=dict(name='resnet50_ibn_a'))
