# ICE camera-agnostic (no camera-proxy loss, Jaccard distance or CamStyle by camera) on the
# generated set, otherwise configs/ice_lite0_synthetic.py (the sampler still uses camera ids,
# as the authors' does).
_base_ = ['./ice_lite0_synthetic.py']
model = dict(camera_aware=False)
train_dataloader = dict(dataset=dict(camstyle=False))
custom_hooks = [
    dict(type='ClusteringHook', extract_pipeline={{_base_.weak}}, batch_size=128,
         num_workers=2, k1=20, k2=6, eps=0.55, min_samples=4),
    dict(type='TeacherUpdateHook'),
]
