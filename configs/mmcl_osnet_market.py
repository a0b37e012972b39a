# MMCL with OSNet-x1.0 (torchreid's re-ID backbone, 512-d) instead of ResNet-50.
_base_ = ['./mmcl_r50_market.py']
model = dict(backbone=dict(name='osnet_x1_0'))
