# Diagnostic (not a preset row): torchreid_softmax_bnneck_r18_medium.py with batches drawn by the
# plugin's IdentitySampler instead of torchreid's RandomIdentitySampler (plugin_sampler).
_base_ = ['./torchreid_softmax_bnneck_r18_medium.py']
plugin_sampler = True
