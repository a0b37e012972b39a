# Diagnostic for the benchmark (not a preset row): torchreid_softmax_r18_medium.py with the
# plugin's BN-neck head swapped into torchreid's model (tools/train_torchreid.py, model.bn_neck),
# to measure how much of the gap between torchreid's ImageSoftmaxEngine and the plugin's
# identity-loss-only row (supervised_ce_r18_medium.py) the head explains.
_base_ = ['./torchreid_softmax_r18_medium.py']
model = dict(bn_neck=True)
