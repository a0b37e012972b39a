# Diagnostic for the benchmark (not a preset row): torchreid's engine with the plugin's BN-neck
# head (torchreid_softmax_bnneck_r18_medium.py) trained on the plugin's train dataloader of
# supervised_ce_r18_medium.py (tools/train_torchreid.py, plugin_data) instead of torchreid's
# ImageDataManager loader: separates the data path from the engine.
_base_ = ['./torchreid_softmax_bnneck_r18_medium.py']
plugin_data = 'configs/benchmark/supervised_ce_r18_medium.py'
