from .camera_proxy_loss import CameraProxyLoss
from .centroid_loss import CentroidLoss
from .hard_instance_loss import HardInstanceLoss
from .mmcl_loss import MMCLLoss
from .soft_instance_loss import SoftInstanceLoss

__all__ = ['CameraProxyLoss', 'CentroidLoss', 'HardInstanceLoss', 'MMCLLoss', 'SoftInstanceLoss']
