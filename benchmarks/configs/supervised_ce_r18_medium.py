# Preset 'medium': supervised_r18_medium.py with the identity loss alone, the loss of torchreid's
# ImageSoftmaxEngine (torchreid_softmax_r18_medium.py); the BN neck is what is left between them.
_base_ = ['./supervised_r18_medium.py']
model = dict(triplet_weight=0.0)
