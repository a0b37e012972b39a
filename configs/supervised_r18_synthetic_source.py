# The demo's stand-in for ImageNet pretraining (which needs a download): the supervised
# baseline trained on a second generated set, other people under the same cameras
# (tools/make_synthetic_reid.py data/synthetic_source --preset small --seed 1).
# MMCL and ICE start from it on the unlabelled demo set; tested on the demo set it is the
# "direct transfer" row.
_base_ = ['./supervised_r18_synthetic.py']
train_dataloader = dict(dataset=dict(data_root='data/synthetic_source'))
