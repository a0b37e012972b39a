# benchmarks/benchmark_methods.py --preset medium: every method, and torchreid's own engine, on
# the same generated data, backbone (ResNet-18 from scratch at 64x32) and epoch budget (6 epochs,
# validated every 2); then domain adaptation from a second generated domain, whose people (seed),
# cameras and clothes (style_seed) differ. Keys: benchmarks/benchmark_methods.py.
data_dir = 'data/benchmark'
domains = dict(
    target=dict(folder='medium', source='folder',
                generate=dict(preset='medium', seed=0, style_seed=0)),
    source=dict(folder='medium_source', source='folder',
                generate=dict(preset='medium', seed=1, style_seed=1)),
)
pretrained = None
plugin_options = dict()
torchreid_options = dict()
rows = dict(
    untrained=dict(name='untrained backbone (random init)', kind='test',
                   config='benchmarks/configs/supervised_r18_medium.py'),
    torchreid=dict(name='torchreid ImageSoftmaxEngine (supervised)', kind='torchreid',
                   config='benchmarks/configs/torchreid_softmax_r18_medium.py'),
    supervised_ce=dict(name='plugin supervised, identity loss only (as torchreid)',
                       kind='train', config='benchmarks/configs/supervised_ce_r18_medium.py'),
    supervised=dict(name='plugin supervised (identity + triplet)', kind='train',
                    config='benchmarks/configs/supervised_r18_medium.py'),
    mmcl=dict(name='MMCL + MPLP (unsupervised)', kind='train',
              config='benchmarks/configs/mmcl_r18_medium.py'),
    ice_agnostic=dict(name='ICE camera-agnostic (unsupervised)', kind='train',
                      config='benchmarks/configs/ice_agnostic_r18_medium.py'),
    ice=dict(name='ICE camera-aware (unsupervised)', kind='train',
             config='benchmarks/configs/ice_r18_medium.py'),
    transfer=dict(name='A -> B direct transfer (supervised on A)', kind='train',
                  train_domain='source', config='benchmarks/configs/supervised_r18_medium.py'),
    mmcl_da=dict(name='A -> B MMCL + MPLP (from the A model)', kind='train',
                 load_from='transfer', config='benchmarks/configs/mmcl_r18_medium.py'),
    ice_da=dict(name='A -> B ICE camera-aware (from the A model)', kind='train',
                load_from='transfer', config='benchmarks/configs/ice_r18_medium.py'),
)
