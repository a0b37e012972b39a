# ICE camera-aware with ResNet-50-IBN-a (torchreid's resnet50_ibn_a) instead of ResNet-50.
_base_ = ['./ice_r50_market.py']
# pretrained=True loads torchvision's ResNet-50 where names and shapes match (IBN norms start
# fresh); IBN-Net's own resnet50_ibn_a-d9d0bb7b.pth loads as model.backbone.pretrained=FILE.
model = dict(backbone=dict(name='resnet50_ibn_a'))
