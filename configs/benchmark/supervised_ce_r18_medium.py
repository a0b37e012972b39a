# Benchmark (tools/benchmark.py, preset 'medium'): the plugin's supervised baseline with the
# identity loss alone (no triplet), the loss torchreid's ImageSoftmaxEngine trains with
# (torchreid_softmax_r18_medium.py); everything else as supervised_r18_medium.py. What is left
# between the two rows is the BN neck (torchreid classifies and tests the pooled feature).
_base_ = ['./supervised_r18_medium.py']
model = dict(triplet_weight=0.0)
