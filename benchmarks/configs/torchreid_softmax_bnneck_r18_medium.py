# Diagnostic (not a preset row): torchreid_softmax_r18_medium.py with the plugin's BN-neck head
# in torchreid's model (model.bn_neck), to compare with supervised_ce_r18_medium.py.
_base_ = ['./torchreid_softmax_r18_medium.py']
model = dict(bn_neck=True)
