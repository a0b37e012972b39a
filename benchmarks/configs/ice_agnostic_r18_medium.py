# Preset 'medium': ICE camera-agnostic, ice_r18_medium.py without the camera-proxy loss.
_base_ = ['./ice_r18_medium.py']
model = dict(camera_aware=False)
