# Benchmark (tools/benchmark.py --preset market): configs/supervised_r50_market.py with the
# identity loss alone, the loss of torchreid's ImageSoftmaxEngine
# (torchreid_softmax_r50_market.py); see supervised_ce_r18_medium.py.
_base_ = ['../supervised_r50_market.py']
model = dict(triplet_weight=0.0)
