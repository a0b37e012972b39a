# benchmarks/benchmark_methods.py --preset market: the official schedules
# (configs/*_r50_market.py) on Market-1501, domain adaptation from DukeMTMC-reID (domain A).
# For a GPU. ImageNet weights are downloaded; offline, give a local file with --pretrained
# (e.g. torchvision's resnet50-0676ba61.pth). The datasets: under data/ in torchreid's layout.
_base_ = ['./medium.py']
data_dir = 'data'
domains = dict(
    target=dict(_delete_=True, folder='', source='market1501'),
    source=dict(_delete_=True, folder='', source='dukemtmcreid'),
)
rows = dict(
    untrained=dict(name='backbone before training (its initial weights)',
                   config='configs/supervised_r50_market.py'),
    torchreid=dict(config='benchmarks/configs/torchreid_softmax_r50_market.py'),
    supervised_ce=dict(config='benchmarks/configs/supervised_ce_r50_market.py'),
    supervised=dict(config='configs/supervised_r50_market.py'),
    mmcl=dict(config='configs/mmcl_r50_market.py'),
    ice_agnostic=dict(config='configs/ice_agnostic_r50_market.py'),
    ice=dict(config='configs/ice_r50_market.py'),
    transfer=dict(name='Duke -> Market direct transfer (supervised on Duke)',
                  config='benchmarks/configs/supervised_r50_duke2market.py'),
    mmcl_da=dict(name='Duke -> Market MMCL + MPLP (from the Duke model)',
                 config='configs/mmcl_r50_market.py'),
    ice_da=dict(name='Duke -> Market ICE camera-aware (from the Duke model)',
                config='configs/ice_r50_market.py'),
)
