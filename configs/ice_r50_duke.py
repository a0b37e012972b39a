# ICE camera-aware on DukeMTMC-reID (data/dukemtmc-reid/DukeMTMC-reID/), the authors' defaults.
_base_ = ['./ice_r50_market.py']
train_dataloader = dict(dataset=dict(source='dukemtmcreid'))
val_dataloader = dict(dataset=dict(source='dukemtmcreid'))
test_dataloader = val_dataloader
