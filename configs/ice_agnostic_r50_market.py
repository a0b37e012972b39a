# ICE camera-agnostic on Market-1501: the same without the camera-proxy loss (the sampler
# still uses camera ids).
_base_ = ['./ice_r50_market.py']
model = dict(camera_aware=False)
