from .norm_eval import set_batchnorm_eval
from .split_batchnorm import (SplitBatchNorm1d, SplitBatchNorm2d, check_bn_groups,
                              convert_split_batchnorm)

__all__ = ['SplitBatchNorm1d', 'SplitBatchNorm2d', 'check_bn_groups', 'convert_split_batchnorm',
           'set_batchnorm_eval']
