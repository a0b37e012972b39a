# Benchmark (tools/benchmark.py, preset 'medium'): ICE camera-agnostic, the same as
# ice_r18_medium.py without the camera-proxy loss.
_base_ = ['./ice_r18_medium.py']
model = dict(camera_aware=False)
