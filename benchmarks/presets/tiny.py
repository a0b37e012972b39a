# benchmarks/benchmark_methods.py --preset tiny: the medium preset's rows on two 8-identity
# generated sets, one epoch of a few iterations, no dataloader workers: the whole pipeline for
# the tests (tests/benchmarks/test_benchmark_methods.py). The numbers mean nothing.
_base_ = ['./medium.py']
_tiny = dict(preset='tiny', num_ids_train=8, num_ids_test=8, num_distractors=4, num_junk=0)
domains = dict(
    target=dict(folder='tiny', generate=_tiny),
    source=dict(folder='tiny_source', generate=_tiny),
)
_no_workers = {f'{loader}.{key}': value
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
               for key, value in (('num_workers', 0), ('persistent_workers', False))}
plugin_options = dict(_no_workers, **{'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1})
torchreid_options = {'max_epochs': 1, 'val_interval': 1, 'data.workers': 0}
_supervised = {'model.num_classes': 8}
_mmcl = {'model.start_epoch': 0, 'model.memory.max_epochs': 1}
_ice = {'train_cfg.iters_per_epoch': 2, 'train_dataloader.sampler.iters_per_epoch': 2,
        'custom_hooks.0.num_workers': 0, 'custom_hooks.0.k1': 10, 'custom_hooks.0.k2': 3,
        'custom_hooks.0.eps': 0.6, 'custom_hooks.0.min_samples': 2}
rows = dict(
    untrained=dict(cfg_options=_supervised),
    supervised_ce=dict(cfg_options=_supervised),
    supervised=dict(cfg_options=_supervised),
    mmcl=dict(cfg_options=_mmcl),
    ice_agnostic=dict(cfg_options=_ice),
    ice=dict(cfg_options=_ice),
    transfer=dict(cfg_options=_supervised),
    mmcl_da=dict(cfg_options=_mmcl),
    ice_da=dict(cfg_options=_ice),
)
