# Diagnostic (not a preset row): torchreid_softmax_bnneck_r18_medium.py trained on the plugin's
# train dataloader of supervised_ce_r18_medium.py (plugin_data) instead of torchreid's loader.
_base_ = ['./torchreid_softmax_bnneck_r18_medium.py']
plugin_data = 'benchmarks/configs/supervised_ce_r18_medium.py'
