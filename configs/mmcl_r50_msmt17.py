# MMCL + MPLP on MSMT17 (data/msmt17/MSMT17_V1/), the authors' defaults.
_base_ = ['./mmcl_r50_market.py']
train_dataloader = dict(dataset=dict(source='msmt17'))
val_dataloader = dict(dataset=dict(source='msmt17'))
test_dataloader = val_dataloader
