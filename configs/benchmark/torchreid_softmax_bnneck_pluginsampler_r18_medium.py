# Diagnostic for the benchmark (not a preset row): torchreid's engine with the plugin's BN-neck
# head (torchreid_softmax_bnneck_r18_medium.py) on torchreid's own train set and loader, with
# batches drawn by the plugin's IdentitySampler instead of torchreid's RandomIdentitySampler
# (tools/train_torchreid.py, plugin_sampler): measures what the sampler changes.
_base_ = ['./torchreid_softmax_bnneck_r18_medium.py']
plugin_sampler = True
