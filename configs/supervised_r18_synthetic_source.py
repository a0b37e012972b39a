# The supervised ResNet-18 on other people under the same generated cameras, a start for
# transfer runs (tools/make_synthetic_reid.py data/synthetic_source --preset small --seed 1).
_base_ = ['./supervised_r18_synthetic.py']
train_dataloader = dict(dataset=dict(data_root='data/synthetic_source'))
