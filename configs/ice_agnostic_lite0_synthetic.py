# ICE camera-agnostic (no camera-proxy loss) on the generated set, otherwise exactly
# configs/ice_lite0_synthetic.py (the sampler still uses camera ids, as the authors' does).
_base_ = ['./ice_lite0_synthetic.py']
model = dict(camera_aware=False)
