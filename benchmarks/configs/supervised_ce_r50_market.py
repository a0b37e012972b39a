# Preset 'market': configs/supervised_r50_market.py with the identity loss alone, the loss of
# torchreid's ImageSoftmaxEngine (torchreid_softmax_r50_market.py).
_base_ = ['../../configs/supervised_r50_market.py']
model = dict(triplet_weight=0.0)
