# Benchmark (tools/benchmark.py --preset market), domain adaptation: the supervised baseline
# trained on DukeMTMC-reID (702 identities, domain A) and tested on Market-1501 (domain B):
# the direct-transfer row, and the model that MMCL and ICE start from on Market-1501
# (load_from). ImageNet weights: set model.backbone.pretrained to a local file.
_base_ = ['../supervised_r50_market.py']
model = dict(num_classes=702)
train_dataloader = dict(dataset=dict(source='dukemtmcreid'))
