# benchmarks/benchmark_methods.py --preset lite0 (the default): every method from ImageNet
# EfficientNet-Lite0 at 128x64 with its configs/*_lite0_synthetic.py schedule; then domain
# adaptation from a second generated domain, and ICE with the authors' BN (trained, 4 groups).
# The target 'small_wide' tests on more people than 'small': a small gallery flatters ImageNet
# features used directly (BENCHMARKS.md). Keys: benchmarks/benchmark_methods.py.
data_dir = 'data/benchmark'
domains = dict(
    target=dict(folder='small_wide', source='folder',
                generate=dict(preset='small_wide', seed=0, style_seed=0)),
    source=dict(folder='small_source', source='folder',
                generate=dict(preset='small', seed=1, style_seed=1)),
)
# None: the configs' own ImageNet weights; TIMMBackbone takes a weight file as checkpoint_path.
pretrained = None
pretrained_key = 'model.backbone.checkpoint_path'
plugin_options = dict()
torchreid_options = dict()
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
