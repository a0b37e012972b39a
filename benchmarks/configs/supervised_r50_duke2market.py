# Preset 'market', domain adaptation: the supervised baseline trained on DukeMTMC-reID (domain A)
# and tested on Market-1501 (domain B); MMCL and ICE start from it (load_from).
_base_ = ['../../configs/supervised_r50_market.py']
model = dict(num_classes=702)
train_dataloader = dict(dataset=dict(source='dukemtmcreid'))
