# benchmarks/benchmark_methods.py --preset domains: lite0's untrained, supervised, MMCL and ICE
# rows, each trained and tested on three generated target domains in turn: lite0's target
# (reused), 'strong_cameras' (stronger camera colour effects, fewer cameras per person, more
# images per camera in single longer walks) and 'style3' (other people, cameras and clothes).
# Each table also gives the mAP over that of the same domain's supervised and untrained rows.
# Keys: benchmarks/benchmark_methods.py.
data_dir = 'data/benchmark'
domains = dict(
    small_wide=dict(folder='small_wide', source='folder',
                    generate=dict(preset='small_wide', seed=0, style_seed=0)),
    strong_cameras=dict(folder='strong_cameras', source='folder',
                        generate=dict(preset='small_wide', seed=2, style_seed=2,
                                      camera_strength=2.0, camera_coverage=0.5, walk_len=8,
                                      split_walks=0.0, imgs_per_id_cam=4.85)),
    style3=dict(folder='style3', source='folder',
                generate=dict(preset='small_wide', seed=3, style_seed=3)),
)
targets = ['small_wide', 'strong_cameras', 'style3']
# None: the configs' own ImageNet weights; TIMMBackbone takes a weight file as checkpoint_path.
pretrained = None
pretrained_key = 'model.backbone.checkpoint_path'
plugin_options = dict()
torchreid_options = dict()
_supervised = 'configs/supervised_lite0_synthetic.py'
rows = dict(
    untrained=dict(name='ImageNet EfficientNet-Lite0, no re-ID training (direct)', kind='test',
                   config=_supervised),
    supervised=dict(name='supervised (identity loss, upper bound)', kind='train',
                    config=_supervised),
    mmcl=dict(name='MMCL + MPLP (unsupervised)', kind='train',
              config='configs/mmcl_lite0_synthetic.py'),
    ice=dict(name='ICE camera-aware (unsupervised)', kind='train',
             config='configs/ice_lite0_synthetic.py'),
)
