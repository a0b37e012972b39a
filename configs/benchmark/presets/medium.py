# tools/benchmark.py --preset medium (the first generator's preset; lite0 is the default):
# every method on the same generated data,
# backbone (ResNet-18 from scratch at 64x32) and epoch budget (6 epochs, validated every 2),
# sized for a 2-core CPU in about an hour; then domain adaptation from a second generated domain.
#
# data_dir/<folder> holds each domain; 'generate' draws it when absent
# (mmcl_ice_plugin.datasets.synthetic.PRESETS). The target domain B is what every row is tested
# on; the source domain A has other people (seed) under other cameras and clothes (style_seed).
data_dir = 'data/benchmark'
domains = dict(
    target=dict(folder='medium', source='folder',
                generate=dict(preset='medium', seed=0, style_seed=0)),
    source=dict(folder='medium_source', source='folder',
                generate=dict(preset='medium', seed=1, style_seed=1)),
)
# model.backbone.pretrained of every row (model.pretrained for torchreid): None, or a local
# weight file (--pretrained PATH).
pretrained = None
# --cfg-options given to every tools/train.py / tools/test.py row, and to every
# tools/train_torchreid.py row.
plugin_options = dict()
torchreid_options = dict()
# The table, in order. kind: 'test' (tools/test.py; the untrained model, or the checkpoint of
# row load_from), 'train' (tools/train.py, validated during training; load_from: start from
# the final checkpoint of that row), 'torchreid' (tools/train_torchreid.py). train_domain:
# the domain trained on (default 'target'); every row is tested on the target domain.
# cfg_options: this row's own --cfg-options.
rows = dict(
    untrained=dict(name='untrained backbone (random init)', kind='test',
                   config='configs/benchmark/supervised_r18_medium.py'),
    torchreid=dict(name='torchreid ImageSoftmaxEngine (supervised)', kind='torchreid',
                   config='configs/benchmark/torchreid_softmax_r18_medium.py'),
    supervised_ce=dict(name='plugin supervised, identity loss only (as torchreid)',
                       kind='train', config='configs/benchmark/supervised_ce_r18_medium.py'),
    supervised=dict(name='plugin supervised (identity + triplet)', kind='train',
                    config='configs/benchmark/supervised_r18_medium.py'),
    mmcl=dict(name='MMCL + MPLP (unsupervised)', kind='train',
              config='configs/benchmark/mmcl_r18_medium.py'),
    ice_agnostic=dict(name='ICE camera-agnostic (unsupervised)', kind='train',
                      config='configs/benchmark/ice_agnostic_r18_medium.py'),
    ice=dict(name='ICE camera-aware (unsupervised)', kind='train',
             config='configs/benchmark/ice_r18_medium.py'),
    transfer=dict(name='A -> B direct transfer (supervised on A)', kind='train',
                  train_domain='source', config='configs/benchmark/supervised_r18_medium.py'),
    mmcl_da=dict(name='A -> B MMCL + MPLP (from the A model)', kind='train',
                 load_from='transfer', config='configs/benchmark/mmcl_r18_medium.py'),
    ice_da=dict(name='A -> B ICE camera-aware (from the A model)', kind='train',
                load_from='transfer', config='configs/benchmark/ice_r18_medium.py'),
)
