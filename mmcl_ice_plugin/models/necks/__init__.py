from .bn_neck import BNNeck
from .pooling import GeneralizedMeanPooling, build_pooling

__all__ = ['BNNeck', 'GeneralizedMeanPooling', 'build_pooling']
